"""The privacy boundary (issue 11): nothing from a register reaches a public output, no CPR number
survives whatever path it takes, logins are throttled in parallel, and a user's bad file is a
Danish message, never a traceback.

The CPR numbers are planted in every shape the masking must find, and looked for afterwards by
an independent test: the number's ten digits with anything but digits (at most three characters)
between them, in the text normalised to NFKC (so full-width digits count as digits).
"""

from __future__ import annotations

import asyncio
import io
import re
import shutil
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docx
import pytest

from klagestat import api
from klagestat.domain.cpr import MASK, mask_cpr
from klagestat.store.database import sqlite_files
from klagestat.web import case_area, pages
from klagestat.web.app import create_app

from conftest import copy_db, db_rows, run_cli
from web_helpers import (
    PASSWORD,
    SECRET,
    add_user,
    case,
    client_for,
    confirm_token,
    log_in,
    logged_in,
    post,
    register_bytes,
    text_of,
    upload,
)

# The ten digits, and the shapes they are written in.
DIGITS = ["1505151515", "0201804321", "3112991234"]
SHAPES = ["{d}{m}{y}-{s}", "{d}{m}{y}\u2011{s}", "{d}{m}{y}\u2012{s}", "{d}{m}{y}\u2014{s}", "{d}{m}{y}\u2212{s}",
          "{d}{m}{y} - {s}", "{d}{m}{y}--{s}", "{d}{m}{y}/{s}", "{d}{m}{y}.{s}", "{d}{m}{y}_{s}", "{d} {m} {y} {s}",
          "{d}.{m}.{y}-{s}", "{d}{m}{y}{s}", "{d}{m}{y}\u00a0{s}", "FULLWIDTH"]


def shaped(digits: str, shape: str) -> str:
    if shape == "FULLWIDTH":
        return "".join(chr(0xFF10 + int(c)) for c in digits[:6]) + "-" + "".join(chr(0xFF10 + int(c)) for c in digits[6:])
    return shape.format(d=digits[:2], m=digits[2:4], y=digits[4:6], s=digits[6:])


def planted_cpr(text: str) -> str | None:
    """The first planted CPR number found in the text in any shape, else None."""
    normal = unicodedata.normalize("NFKC", text)
    for digits in DIGITS:
        found = re.search(r"(?<!\d)" + r"\D{0,3}".join(digits) + r"(?!\d)", normal)
        if found:
            return normal[max(0, found.start() - 60):found.end() + 60]
    return None


@pytest.fixture(autouse=True)
def own_secret(monkeypatch):
    monkeypatch.setenv("KLAGESTAT_SECRET", SECRET)


# ---- the masking rule -----------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_of_a_cpr_number_is_masked(shape):
    for digits in DIGITS:
        text = f"Borger {shaped(digits, shape)} ringede"
        assert mask_cpr(text) == f"Borger {MASK} ringede", text
        assert planted_cpr(mask_cpr(text)) is None


@pytest.mark.parametrize("text", ["31.12.2024", "2024-12-31", "tlf. 12 34 56 78", "kr. 150.515,15", "sag 2024-000123",
                                  "99.99.99-9999", "12345678901", "KLE 27.24.00-G01-1-23"])
def test_dates_amounts_and_case_numbers_are_not_masked(text):
    assert mask_cpr(text) == text


# ---- the register import: cells, headers, file names, messages ----------------------------------------------

def _cpr_register(folder: Path, shape: str) -> Path:
    """A register with a CPR number in every field, in the header and in the file name."""
    a, b, c = (shaped(d, shape) for d in DIGITS)
    header = ("sags_id", "cpr", "lovgrundlag", "omraade", "afgoerelsesdato", "klagedato", "videresendt",
              "instans_afgoerelsesdato", "udfald", "aarsag", "beskrivelse", "laering", f"note {c}")
    rows = [
        case("P-1", cpr=a, lovgrundlag=f"SEL § 100 {b}", omraade=f"Voksne {c}", beskrivelse=f"Om {b}",
             laering=f"Husk {a}", udfald="hjemvist", aarsag="oplysningsgrundlag", **{f"note {c}": f"x {a}"}),
        case("P-2", cpr=a, aarsag=f"{b}", udfald="hjemvist"),  # rejected: unknown reason shaped like a CPR
        case("P-3", cpr=b, udfald=f"vundet {c}"),  # rejected: unknown outcome
        case("P-4", cpr=c, afgoerelsesdato=f"{a}"),  # rejected: not a date
    ]
    path = folder / f"klager {shaped(DIGITS[2], shape)}.csv"
    path.write_bytes(register_bytes(rows, header))
    return path


@pytest.mark.parametrize("shape", [SHAPES[0], SHAPES[3], SHAPES[10], SHAPES[11], "FULLWIDTH"])
def test_no_cpr_number_survives_a_register_import(tmp_path, shape):
    db = tmp_path / "k.db"
    register = _cpr_register(tmp_path, shape)
    rejects = tmp_path / "afviste.csv"
    result = run_cli("import", "cases", register, "--municipality", "Lejre", "--rejects", rejects, db=db)
    assert result.code == 0, str(result)
    assert db_rows(db, "SELECT COUNT(*) FROM case_record")[0][0] == 1
    assert db_rows(db, "SELECT COUNT(*) FROM case_reject")[0][0] == 3
    for name, text in (("output", result.out + result.err), ("rejects CSV", rejects.read_text(encoding="utf-8-sig")),
                       ("database", _database_text(db)), ("report", _report_text(db, tmp_path))):
        assert planted_cpr(text) is None, f"{name}: {planted_cpr(text)}"
    assert MASK in _database_text(db)  # the texts are kept, masked


def _database_text(db: Path) -> str:
    """Every byte of the SQLite files and their journals, as text (what a disk image would show)."""
    parts = [p.read_bytes() for p in sqlite_files(db) if p.exists()]
    return "\n".join(p.decode("utf-8", "replace") for p in parts)


def _report_text(db: Path, folder: Path) -> str:
    out = folder / "r.md"
    result = run_cli("report", "complaints", "--municipality", "Lejre", "--year", "2024", "--out", out, db=db)
    return out.read_text(encoding="utf-8") if result.code == 0 else result.err


# ---- the web: filters, logins, upload names, logs ----------------------------------------------------------

@pytest.fixture(scope="module")
def site(demo_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("privacy")
    db = copy_db(demo_db, folder / "klagestat.db")
    for email, role in (("analytiker@alleroed.dk", "analyst"), ("admin@alleroed.dk", "admin")):
        add_user(db, email, "Allerød", role)
    return type("Site", (), {"db": db, "app": create_app(str(db)), "folder": folder})


def test_no_cpr_number_from_filters_logins_or_file_names_is_kept_or_shown(site, caplog, monkeypatch):
    monkeypatch.setenv("KLAGESTAT_SECRET", SECRET)
    analyst = logged_in(site.app, "analytiker@alleroed.dk")
    answers = []
    for shape in SHAPES:
        cpr = shaped(DIGITS[0], shape)
        answers.append(analyst.get("/sager", params={"area": cpr, "provision": cpr}))
        answers.append(analyst.get(f"/sager/sag/{cpr}"))
        answers.append(analyst.get("/kommune/" + cpr))
        answers.append(log_in(client_for(site.app, address="10.9.0.1"), f"{cpr}@alleroed.dk", "forkert-kode-123"))
    preview = upload(analyst, register_bytes([case("ALL-PRIV-1")]), f"register {shaped(DIGITS[1], SHAPES[3])}.csv")
    answers.append(preview)
    answers.append(post(analyst, "/sager/import/bekraeft", {"token": confirm_token(preview)}))
    answers.append(analyst.get("/sager/sag/ALL-PRIV-1"))
    admin = logged_in(site.app, "admin@alleroed.dk")
    answers.append(admin.get("/sager/log"))
    answers.append(post(admin, "/sager/brugere", {"email": f"{shaped(DIGITS[2], SHAPES[0])}@alleroed.dk",
                                                  "role": "reader", "password": PASSWORD}))
    for response in answers:
        assert planted_cpr(response.text) is None, f"{response.url}: {planted_cpr(response.text)}"
    assert planted_cpr(_database_text(site.db)) is None
    assert planted_cpr("\n".join(r.getMessage() for r in caplog.records)) is None
    events = db_rows(site.db, "SELECT target FROM audit_event WHERE target LIKE ?", f"%{MASK}%")
    assert events, "the filters were logged, masked"


def test_an_unconfirmed_or_failed_upload_leaves_no_file(site, monkeypatch):
    analyst = logged_in(site.app, "analytiker@alleroed.dk")
    parent = case_area._Uploads.parent()
    before = set(parent.iterdir())
    preview = upload(analyst, register_bytes([case("ALL-GONE-1")]), "gone.csv")
    assert preview.status_code == 200 and len(set(parent.iterdir()) - before) == 1
    monkeypatch.setattr(case_area, "UPLOAD_LIFETIME", -1)  # the preview is abandoned: it expires
    case_area._uploads.expire()
    assert set(parent.iterdir()) == before

    def broken(*args, **kwargs):
        raise RuntimeError("the preview failed")

    monkeypatch.setattr(api, "import_cases", broken)
    failing = client_for(site.app, address="10.9.0.2")
    failing.cookies.update(analyst.cookies)
    with pytest.raises(RuntimeError):
        upload(failing, register_bytes([case("ALL-GONE-2")]), "fails.csv")
    assert set(parent.iterdir()) == before
    # What a server that died left behind goes at the next start.
    stale = parent / "999999999-dead"
    stale.mkdir()
    (stale / "raw.csv").write_text("cpr\n")
    case_area._uploads.remove_stale()
    assert not stale.exists()


def test_an_upload_is_named_as_the_user_named_it_never_by_its_server_path(site, monkeypatch):
    monkeypatch.setenv("KLAGESTAT_SECRET", SECRET)
    analyst = logged_in(site.app, "analytiker@alleroed.dk")
    server_folder = str(case_area._Uploads.parent())
    broken = upload(analyst, b"PK\x03\x04 not a workbook", "mit register.xlsx",
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    rejected_rows = upload(analyst, register_bytes([case("ALL-NAME-1", udfald="måske")]), "mit register.csv")
    for answer in (broken, rejected_rows):
        assert "mit register" in text_of(answer)
        assert server_folder not in answer.text and "klagestat-uploads" not in answer.text, text_of(answer)
    assert broken.status_code == 422


def test_an_export_leaves_no_file_even_when_the_browser_goes_away(site, tmp_path):
    # The file's name is gone as soon as the response exists, before a byte is sent: a browser
    # that goes away half-way leaves nothing behind for a clean-up that never runs.
    folder = tmp_path / "eksport"
    folder.mkdir()
    (folder / "sager.xlsx").write_bytes(b"PK" + b"x" * 3_000_000)
    response = pages.download_file(folder / "sager.xlsx", "sager.xlsx", remove=lambda: shutil.rmtree(folder))
    assert not folder.exists()
    assert response.headers["content-length"] == "3000002"

    async def first_piece_then_gone() -> bytes:
        piece = await response.body_iterator.__anext__()
        await response.body_iterator.aclose()  # the browser went away
        return piece

    first = asyncio.run(first_piece_then_gone())
    assert first[:2] == b"PK" and len(first) < 3_000_002
    # And the route: the whole workbook arrives, and the temporary folder is gone.
    analyst = logged_in(site.app, "analytiker@alleroed.dk")
    parent = case_area._Uploads.parent()
    before = set(parent.iterdir())
    whole = analyst.get("/sager/eksport.xlsx")
    assert int(whole.headers["content-length"]) == len(whole.content) and whole.content[:2] == b"PK"
    assert set(parent.iterdir()) == before


def test_a_case_named_like_a_page_can_be_opened(site):
    analyst = logged_in(site.app, "analytiker@alleroed.dk")
    names = ["log", "import", "brugere", "eksport.csv"]
    preview = upload(analyst, register_bytes([case(n) for n in names]), "sider.csv")
    assert post(analyst, "/sager/import/bekraeft", {"token": confirm_token(preview)}).status_code == 200
    for name in names:
        page = analyst.get(f"/sager/sag/{name}")
        assert page.status_code == 200 and name in text_of(page), name


def test_parallel_logins_check_no_more_passwords_than_the_limit(database):
    engine = api.open_database(database)
    try:
        api.add_user(engine, "p@alleroed.dk", "Allerød", "reader", PASSWORD)
    finally:
        engine.dispose()
    app = create_app(database)
    start = threading.Barrier(31)

    def attempt(n: int) -> int:
        client = client_for(app, address=f"10.8.{n}.1")
        client.get("/login")
        start.wait()
        return log_in(client, "p@alleroed.dk", f"forkert-{n}-adgangskode").status_code

    with ThreadPoolExecutor(31) as pool:
        answers = list(pool.map(attempt, range(31)))
    assert answers.count(401) <= 5 and answers.count(429) >= 26, answers
    # The right password is refused too now: the e-mail is locked for the window.
    assert log_in(client_for(app, address="10.8.99.1"), "p@alleroed.dk").status_code == 429


def test_csrf_token_is_tied_to_the_session(site):
    one = logged_in(site.app, "analytiker@alleroed.dk")
    two = logged_in(site.app, "analytiker@alleroed.dk")
    token_of_two = re.search(r'name="csrf_token" value="([^"]+)"', two.get("/sager/klagerapport").text)[1]
    refused = one.post("/sager/laering", data={"case_id": "ALL-00030", "learning": "x", "csrf_token": token_of_two})
    assert refused.status_code == 403


def test_a_post_without_a_session_is_refused_before_its_body_is_read(site):
    client = client_for(site.app)
    big = b"x" * (200 * 1024)
    response = client.post("/sager/import", files={"file": ("r.csv", big, "text/csv")})
    assert response.status_code == 413 and "logget ind" in text_of(response)
    small = client.post("/sager/laering", data={"case_id": "x", "learning": "y", "csrf_token": "z"})
    assert small.status_code == 303 and small.headers["location"].startswith("/login")


def test_https_cookies_are_host_cookies(site):
    client = client_for(site.app, https=True)
    client.get("/login")
    assert any(name.startswith("__Host-") for name in client.cookies.keys())
    response = log_in(client, "analytiker@alleroed.dk")
    assert response.status_code == 303
    cookies = response.headers.get_list("set-cookie")
    assert any(c.startswith("__Host-klagestat_session=") and "Secure" in c and "Path=/" in c for c in cookies)


# ---- public outputs: nothing from the register ------------------------------------------------------------

PRIVATE = "Folkeskoleloven § 51 - elev Peter Hansen, Hyldevej 3"


def test_public_outputs_say_nothing_of_the_register(site, tmp_path):
    analyst = logged_in(site.app, "analytiker@alleroed.dk")
    rows = [case(f"ALL-PUB-{i}", lovgrundlag=PRIVATE, omraade="Team Hyldevej", udfald="hjemvist",
                 beskrivelse="Peter Hansen", instans_afgoerelsesdato=f"{10 + i}-06-2024") for i in range(8)]
    preview = upload(analyst, register_bytes(rows), "klynge.csv")
    assert post(analyst, "/sager/import/bekraeft", {"token": confirm_token(preview)}).status_code == 200
    public = client_for(site.app)
    docx_bytes = public.get("/kommune/201/danmarkskort.docx", params={"year": "2024"}).content
    document = docx.Document(io.BytesIO(docx_bytes))
    texts = {"docx": "\n".join([p.text for p in document.paragraphs]
                               + [c.text for t in document.tables for r in t.rows for c in r.cells])}
    for path in ("/", "/kommune/201", "/sammenlign?kommune=201", "/api/rates?year=2024&municipality=201",
                 "/kommune/201/omgoerelsesprocenter.csv"):
        texts[path] = public.get(path).text
    for ending in ("md", "html"):
        out = tmp_path / f"dk.{ending}"
        assert run_cli("report", "danmarkskort", "--municipality", "Allerød", "--year", "2024", "--public",
                       "--out", out, db=site.db).code == 0
        texts[f"danmarkskort --public .{ending}"] = out.read_text(encoding="utf-8")
        out = tmp_path / f"klager.{ending}"
        assert run_cli("report", "complaints", "--municipality", "Allerød", "--year", "2024", "--public",
                       "--out", out, db=site.db).code == 0
        texts[f"complaints --public .{ending}"] = out.read_text(encoding="utf-8")
    for name, text in texts.items():
        for secret in ("Peter Hansen", "Hyldevej", "Folkeskoleloven § 51", "ALL-PUB-"):
            assert secret not in text, f"{name} shows {secret!r}"
        if name.startswith(("docx", "danmarkskort", "/")):
            assert "klageregist" not in text.lower(), f"{name} mentions the register"
