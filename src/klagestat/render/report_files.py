"""Writing a report in the format its file name ends with: .docx, .html, .md or .pdf."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from klagestat.domain.problems import InputError, Problem

from .document import Document
from .docx_file import write_docx
from .html_file import to_html
from .markdown_file import write_markdown

FORMATS = (".docx", ".html", ".md", ".pdf")
PDF_TIMEOUT_SECONDS = 180


def write_report(document: Document, path: Path) -> list[Path]:
    """Writes the report; returns the files written (Markdown writes its figures beside it)."""
    path = Path(path)
    check_report_path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".docx":
            write_docx(document, path)
        elif suffix == ".html":
            path.write_text(to_html(document), encoding="utf-8")
        elif suffix == ".md":
            return write_markdown(document, path)
        else:
            write_pdf(document, path)
    except OSError as e:
        raise _refused(path, f"Filen kan ikke skrives: {e.strerror or e}.") from None
    return [path]


def write_pdf(document: Document, path: Path) -> None:
    """The Word file converted by LibreOffice (headless), so the PDF looks like what the
    committee gets in the agenda system."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise _refused(path, "PDF kræver LibreOffice (programmet soffice), som ikke er installeret. "
                             "Installér det (Debian/Ubuntu: apt-get install libreoffice-writer-nogui), "
                             "eller skriv rapporten som .docx og gem den som PDF fra Word.")
    with tempfile.TemporaryDirectory(prefix="klagestat-pdf-") as work:
        source = Path(work) / f"{path.stem}.docx"
        write_docx(document, source)
        # A profile of its own: LibreOffice refuses to start twice on one profile.
        profile = Path(work) / "profile"
        result = subprocess.run(
            [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", work, str(source)],
            capture_output=True, timeout=PDF_TIMEOUT_SECONDS, env={**os.environ, "HOME": work},
        )
        converted = Path(work) / f"{path.stem}.pdf"
        if result.returncode != 0 or not converted.exists():
            detail = (result.stderr or result.stdout).decode("utf-8", "replace").strip()[:500]
            raise _refused(path, f"LibreOffice kunne ikke lave PDF'en: {detail or 'ingen forklaring'}.")
        shutil.copyfile(converted, path)


def check_report_path(path: Path) -> None:
    """A file name klagestat can write a report to: a known ending, in a folder that exists and
    may be written to."""
    if path.suffix.lower() not in FORMATS:
        raise _refused(path, f"Ukendt filtype {path.suffix or '(ingen)'!r}. Skriv filnavnet med "
                             ".docx, .html, .md eller .pdf, fx rapport.docx.")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise _refused(path, f"Mappen {str(folder)!r} findes ikke.")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise _refused(path, "Der er ikke skriveadgang til filen eller mappen.")
    if path.is_dir():
        raise _refused(path, "Det er en mappe; skriv et filnavn, fx rapport.docx.")


def _refused(path: Path, message: str) -> InputError:
    return InputError([Problem(str(path), message, code="report-path")], headline="Rapporten kan ikke skrives:")
