"""Semicolon CSV as the statistics bank exports it: OMRÅDE;LOVGRUNDLAG;AFGØRELSE;TID;INDHOLD."""

from __future__ import annotations

import csv
import io
from operator import itemgetter

from klagestat.domain.problems import ProblemList

from .statbank_format import EXPECTED_HEADER, ROLE_COLUMNS_DA, RawTable, role_of
from .text_files import decode


def read_csv(name: str, data: bytes) -> RawTable:
    problems = ProblemList(name, importing=True)
    if not data.strip():
        problems.add("Filen er tom. Hent tabellen igen fra statistikbanken som CSV (semikolonsepareret).", code="file-empty")
        problems.raise_if_any()
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError:
        problems.add("Filen er ikke en tekstfil i UTF-8 eller Windows' tegnsæt. Forventet statistikbankens CSV "
                     "(semikolonsepareret) eller JSON-stat.", code="file-encoding")
        problems.raise_if_any()
    first_line = text.split("\n", 1)[0].rstrip("\r")
    if ";" not in first_line:
        sep = "komma" if "," in first_line else "tabulator" if "\t" in first_line else None
        if sep:
            problems.add(
                f"Forkert skilletegn: filen ser ud til at bruge {sep}, men statistikbankens CSV bruger "
                f"semikolon. Vælg 'CSV (semikolonsepareret)' ved download.",
                line=1, value=first_line[:80],
                code="separator-wrong",
            )
        else:
            problems.add(
                f"Første linje er ikke en overskrift med kolonnenavne. Forventet: {EXPECTED_HEADER}",
                line=1, value=first_line[:80],
                code="header-missing",
            )
        problems.raise_if_any()

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"')
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as e:
        problems.add(csv_error_da(e), line=1, code="csv-invalid")
        problems.raise_if_any()
    roles: dict[str, int] = {}
    extra: list[int] = []
    for i, name_ in enumerate(header):
        role = role_of(name_)
        if role is None or role in roles:
            extra.append(i)
        else:
            roles[role] = i
    missing = [ROLE_COLUMNS_DA[r] for r in ROLE_COLUMNS_DA if r not in roles]
    if not roles:
        problems.add(
            f"Første linje er ikke en overskrift, men ser ud til at være data. Filen skal begynde med "
            f"kolonnenavnene {EXPECTED_HEADER}; hent den igen fra statistikbanken med overskrift.",
            line=1, value=first_line[:80],
            code="header-is-data",
        )
        problems.raise_if_any()
    if missing:
        problems.add(
            f"Overskriften mangler kolonnen {', '.join(missing)}. Forventet: {EXPECTED_HEADER}",
            line=1, value=first_line[:80],
            code="column-missing",
        )
        problems.raise_if_any()

    columns = {role: header[i] for role, i in roles.items()}
    # The C reader does the work; rows keep their position, so a row's line is its index + 2
    # (blank lines are kept as empty rows until the position is known).
    try:
        rows = list(reader)
    except csv.Error as e:
        problems.add(csv_error_da(e), line=reader.line_num, code="csv-invalid")
        problems.raise_if_any()
    width = len(header)
    if set(map(len, rows)) <= {width}:
        lines = list(range(2, len(rows) + 2))  # the usual file: every row complete
    else:
        keep: list[int] = []
        for index, fields in enumerate(rows):
            if len(fields) == width:
                keep.append(index)
            elif fields and not (len(fields) == 1 and not fields[0].strip()):
                problems.add(
                    f"Linjen har {len(fields)} felter, men overskriften har {width}.",
                    line=index + 2, value=";".join(fields)[:80],
                    code="row-width",
                )
                if len(problems.problems) > 100:
                    break
        rows = [rows[i] for i in keep]
        lines = [i + 2 for i in keep]
    # One pass per column with a C-level getter; zip(*rows) is far slower on a million rows.
    cols = [tuple(map(itemgetter(i), rows)) for i in range(width)]
    for i in extra:
        if len(set(cols[i])) > 1:
            problems.add(
                f"Kolonnen {header[i]!r} har flere forskellige værdier, og klagestat kan ikke vide, "
                f"hvilken der skal bruges. Hent tabellen med kun kolonnerne {EXPECTED_HEADER}.",
                line=1, column=header[i],
                code="column-ambiguous",
            )
    if not rows and not problems:
        problems.add("Filen har en overskrift, men ingen rækker med tal.", line=2, code="no-data-rows")
    problems.raise_if_any()
    return RawTable(
        name, f"CSV ({encoding})", columns, lines,
        *(cols[roles[r]] for r in ("area", "basis", "outcome", "period", "value")),
    )


def csv_error_da(error: csv.Error) -> str:
    """Python's CSV reader's complaint, in Danish (for every statistics and population CSV)."""
    text = str(error)
    if "field larger than field limit" in text:
        limit = f"{csv.field_size_limit():_}".replace("_", ".")
        return (f"Et felt er over {limit} tegn langt (måske et anførselstegn, der ikke lukkes). Tallenes "
                "felter er korte; er det den rigtige fil?")
    if "NUL" in text:
        return "Linjen indeholder et NUL-tegn; filen er ikke en tekstfil."
    if "new-line character seen in unquoted field" in text:
        return "Linjeskift midt i et felt uden anførselstegn; filen er ikke gemt rigtigt som CSV."
    return f"Filen kan ikke læses som CSV ({text})."
