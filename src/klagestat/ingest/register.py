"""Validating a municipality's complaint register, row by row, into cases and rejected rows.

The file is read by `register_files` (CSV or XLSX, streamed); here each row's cells are checked and
turned into the values the store keeps. A row with problems is not dropped: it becomes a
`RejectedRow` with every problem (column, masked value, Danish message), which the import keeps
and shows. No CPR number leaves this module: the `cpr` column becomes a keyed pseudonym, and
CPR-like text anywhere else is masked before it is stored or shown.

Speed: a register can have a million rows, so rows are checked a chunk at a time, column by
column, and every distinct text of a column is parsed once (see RegisterReader).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import pickle
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from klagestat.domain.catalogue import Catalogue
from klagestat.domain.cpr import contains_cpr, cpr_problem, key_fingerprint, mask_cpr, normalise_cpr, pseudonym
from klagestat.domain.legal_basis import BasisLevel
from klagestat.domain.outcomes import TOTAL
from klagestat.domain.problems import Problem, ProblemList
from klagestat.domain.register import ANKESTYRELSEN, RegisterVocabulary
from klagestat.domain.text import normalise

from .child_process import can_fork, in_child_process
from .input_file import is_synthetic_line
from .register_files import SheetRows
from .text_files import read_toml

DATE_COLUMNS = ("afgoerelsesdato", "klagedato", "genvurderingsdato", "videresendt", "instans_afgoerelsesdato")
CHUNK_ROWS = 10_000  # rows checked together, column by column
PACK_SEPARATOR = "\x1f"  # ASCII's unit separator, between the values of a packed column
EARLIEST_YEAR = 1990  # older dates in a complaint register are typing errors
EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 in the 1900 date system (with its leap-year bug)
_DMY = re.compile(r"(\d{1,2})[-./](\d{1,2})[-./](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
_SERIAL = re.compile(r"\d{4,5}")


@dataclass(slots=True)
class RejectedRow:
    line: int
    # Each names the row's line and its column; the value is masked, or None where it must not be
    # shown (a malformed CPR number).
    problems: list[Problem]
    cells: dict[str, str]  # as in the file, CPR removed


@dataclass
class ColumnChoice:
    """Which column of the file holds which of klagestat's columns."""

    index: dict[str, int]  # default column name → position in the row
    ignored: list[str]  # headers klagestat doesn't know (not read; listed for the user)
    header: list[str]


@dataclass
class RegisterSummary:
    """What the validation saw, for the import report."""

    rows: int = 0
    unknown_bases: dict[str, int] = field(default_factory=dict)  # label → cases
    masked_cells: int = 0
    cpr_in_citizen_id: int = 0
    key_fingerprint: str | None = None  # of the pseudonym key, when a CPR number needed it
    synthetic: bool = False  # the file carries the demo's mark (input_file.SYNTHETIC_MARK)


# ---- the --columns file -----------------------------------------------------------------------

@dataclass
class ColumnsFile:
    """A user's --columns file:

        [columns]
        sags_id = "Sagsnummer"
        udfald = "Ankestyrelsens afgørelse"

        sheet = "Klagesager"   # optional: the XLSX sheet to read
        header_row = 3         # optional: the row with the column names
    """

    names: dict[str, str] = field(default_factory=dict)  # their header (normalised) → our column
    sheet: str | None = None
    header_row: int | None = None


def read_columns_file(path: Path, vocabulary: RegisterVocabulary) -> ColumnsFile:
    data = read_toml(path, "Kolonnefilen")
    problems = ProblemList(str(path))
    result = ColumnsFile()
    for ours, theirs in data.get("columns", {}).items():
        if ours not in vocabulary.columns:
            problems.add(f"Ukendt kolonne. Kendte kolonner: {', '.join(vocabulary.columns)}.",
                         column=f"[columns] {ours}", value=str(theirs), code="column-unknown")
        elif not isinstance(theirs, str) or not theirs.strip():
            problems.add("Skriv kolonnens navn i filen som tekst, fx sags_id = \"Sagsnummer\".",
                         column=f"[columns] {ours}", code="column-name-not-text")
        else:
            result.names[normalise(theirs)] = ours
    sheet = data.get("sheet")
    if sheet is not None:
        result.sheet = str(sheet)
    header_row = data.get("header_row")
    if header_row is not None:
        if not isinstance(header_row, int) or header_row < 1:
            problems.add("header_row skal være et rækkenummer (1 eller mere).", column="header_row",
                         value=str(header_row), code="header-row-invalid")
        else:
            result.header_row = header_row
    unknown = set(data) - {"columns", "sheet", "header_row"}
    for key in sorted(unknown):
        problems.add("Ukendt indstilling; kendte er [columns], sheet og header_row.", column=key, code="setting-unknown")
    problems.raise_if_any()
    return result


def choose_columns(sheet: SheetRows, vocabulary: RegisterVocabulary, columns: ColumnsFile) -> ColumnChoice:
    problems = ProblemList(sheet.file, position=sheet.position, importing=True)
    index: dict[str, int] = {}
    ignored = []
    header_masked = [mask_cpr(h) for h in sheet.header]  # a header is text from the file like any cell
    for i, header in enumerate(header_masked):
        ours = columns.names.get(normalise(header)) or vocabulary.column_for(header)
        if ours is None:
            ignored.append(header)
            continue
        if ours in index:
            problems.add(f"To kolonner betyder begge {ours}: {header_masked[index[ours]]!r} og {header!r}.",
                         line=sheet.header_line, column=header, code="column-duplicate")
            continue
        index[ours] = i
    for required in vocabulary.required_columns:
        if required not in index:
            problems.add(
                f"Kolonnen {required} mangler. Filen har kolonnerne: {', '.join(header_masked)}. "
                f"Hedder den noget andet, så angiv det med --columns (fx [columns] {required} = \"Sagsnummer\").",
                line=sheet.header_line,
                code="column-missing",
            )
    problems.raise_if_any()
    return ColumnChoice(index, ignored, header_masked)


# ---- the rows -----------------------------------------------------------------------------------

class _Invalid(ValueError):
    """A cell that can't be read; its message is Danish, its code a Problem's."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def _plausible(day: dt.date, today: dt.date) -> dt.date:
    if day.year < EARLIEST_YEAR:
        raise _Invalid(f"Datoen ligger før {EARLIEST_YEAR}; er den tastet forkert?", "date-too-early")
    if day > today:
        raise _Invalid(f"Datoen ligger i fremtiden (efter {today:%d-%m-%Y}).", "date-in-future")
    return day


def parse_date(text: str) -> dt.date:
    """dd-mm-yyyy, dd.mm.yyyy, dd/mm/yyyy, ISO yyyy-mm-dd, or an Excel serial number."""
    try:
        m = _DMY.fullmatch(text)
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        m = _ISO.fullmatch(text)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise _Invalid("Datoen findes ikke i kalenderen.", "date-invalid") from None
    if _SERIAL.fullmatch(text):
        # Excel stores a date as days since 30-12-1899; a cell copied without its format shows it.
        return EXCEL_EPOCH + dt.timedelta(days=int(text))
    raise _Invalid("Ukendt datoformat; skriv dd-mm-åååå, dd.mm.åååå eller åååå-mm-dd.", "date-format")


def _dmy(iso: str) -> str:
    """An ISO date as Danes write it."""
    return f"{iso[8:10]}-{iso[5:7]}-{iso[:4]}"


class _Meanings:
    """Cell text → what it means (or a Problem), worked out once per distinct text of a file."""

    def __init__(self, meaning: Callable[[str], object], empty: object):
        self.meaning = meaning
        self.empty = empty
        self.known: dict[str, object] = {"": empty}
        self.problems: set[str] = set()  # the texts that mean a Problem

    def of(self, texts: Sequence[str]) -> tuple[list, bool]:
        """The meaning of each text, and whether any is a Problem. Mapped in C; only texts not
        seen before in the file are visited one by one. (No meaning is None.)"""
        if not any(texts):
            return [self.empty] * len(texts), False  # an empty or missing column
        known = self.known
        values = list(map(known.get, texts))
        if None in values:
            for k in [k for k, value in enumerate(values) if value is None]:
                text = texts[k]
                value = known.get(text)
                if value is None:
                    value = known[text] = self.meaning(text)
                    if type(value) is Problem:
                        self.problems.add(text)
                values[k] = value
        return values, bool(self.problems) and not self.problems.isdisjoint(texts)


@dataclass(slots=True)
class CaseChunk:
    """The valid cases among a run of rows, column by column, and the rows rejected among them.

    `texts` follow domain.register.CASE_FIELDS, with "" for an empty value; `columns()` gives
    them as stored. A date is ISO text (yyyy-mm-dd), which both databases take as a date.
    """

    lines: list[int]
    texts: list[Sequence[str]]
    hashes: list[str]
    rejects: list[RejectedRow]

    def columns(self) -> list[Sequence[str | None]]:
        """The values as stored: None for an empty value."""
        return [values if "" not in values else [value or None for value in values] for values in self.texts]

    def rows(self) -> Iterator[tuple]:
        return zip(*self.columns())

    def packed(self) -> bytes:
        """For the pipe from the child process. Pickling a million rows' strings one by one costs
        more than checking them, so each column goes as one joined text (or, should a value hold
        the separator, as a list)."""
        columns = []
        for values in self.texts:
            joined = PACK_SEPARATOR.join(values)
            columns.append(joined if joined.count(PACK_SEPARATOR) == len(values) - 1 else list(values))
        return pickle.dumps((self.lines, columns, PACK_SEPARATOR.join(self.hashes), self.rejects),
                            protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def unpacked(cls, data: bytes) -> CaseChunk:
        lines, columns, hashes, rejects = pickle.loads(data)
        if not lines:
            return cls(lines, [[] for _ in columns], [], rejects)
        texts = [values.split(PACK_SEPARATOR) if isinstance(values, str) else values for values in columns]
        return cls(lines, texts, hashes.split(PACK_SEPARATOR), rejects)


class RegisterReader:
    """Checks the rows of one register file against the catalogue; keeps its caches between rows.

    Speed: a register can have a million rows. They are checked a chunk at a time, column by
    column: each column's distinct texts are parsed once (and cached for the whole file), then
    mapped onto the column in C. Only rows with a problem are visited one by one.
    """

    def __init__(self, catalogue: Catalogue, vocabulary: RegisterVocabulary, choice: ColumnChoice,
                 key: Callable[[], bytes], today: dt.date | None = None, position: str = "linje", file: str = ""):
        self.position = position  # "linje" in a CSV file, "række" in a spreadsheet
        self.file = file  # as messages name it
        self._lines: list[int] = []
        self.catalogue = catalogue
        self.vocabulary = vocabulary
        self.choice = choice
        # The pseudonym key is loaded at the first CPR number (a register of borger_ids needs none).
        # It must not touch the database: the reader may run in a child process (read_beside); the
        # caller checks summary.key_fingerprint against the database before it commits.
        self._key_loader = key
        self._key: bytes | None = None
        self.today = today or dt.date.today()
        self.summary = RegisterSummary()
        self._seen: dict[str, int] = {}  # sags_id → first line
        # text in a cell → what it means (or a Problem); "" is the empty cell
        # What each distinct text of a column means; "" is the empty cell
        self._dates = _Meanings(self._date, "")  # → ISO date
        self._bases = _Meanings(self._basis, ("", ""))  # → (law_id, provision_key)
        self._outcomes = _Meanings(self._outcome, ("", ""))  # → (outcome, label)
        self._reassessments = _Meanings(self._reassessment, "")
        self._bodies = _Meanings(self._body, ANKESTYRELSEN)
        self._reasons = _Meanings(self._reason_codes, "")
        self._cpr_texts = _Meanings(self._citizen_of_cpr, "")  # → pseudonym; in memory for one import only
        self._citizen_ids = _Meanings(self._citizen_of_id, "")  # borger_id → kept id or pseudonym
        self._pseudonyms: dict[str, str] = {}  # ten digits → pseudonym
        self._cpr_citizen_ids: set[str] = set()  # borger_id texts that were CPR numbers

    # -- what a distinct text means; each returns the value or a Problem ------------------------

    def _date(self, text: str) -> str | Problem:
        try:
            return _plausible(parse_date(text), self.today).isoformat()
        except _Invalid as e:
            return self._verdict(str(e), e.code)

    def _basis(self, text: str) -> tuple[str, str]:
        ref = self.catalogue.recognise_basis(text)
        if ref is None or ref.level in (BasisLevel.ALL, BasisLevel.UNMAPPED):
            return "", ""
        return ref.law_id, ref.provision_key if ref.level != BasisLevel.LAW else ""

    def _outcome(self, text: str) -> tuple[str, str] | Problem:
        value = self.catalogue.outcome_for_label(text)
        if value is None or value == TOTAL:
            return self._verdict("Ukendt udfald. Brug stadfæstet, ændret, ophævet, hjemvist, afvist, henvist "
                            "eller bortfaldet, eller lad feltet stå tomt, mens sagen verserer.", code="outcome-unknown")
        return value, text.strip().lower()

    def _reassessment(self, text: str) -> str | Problem:
        value = self.vocabulary.find_reassessment(text)
        if value is None:
            return self._verdict("Ukendt genvurdering. Brug fastholdt, delvist omgjort eller omgjort.", code="reassessment-unknown")
        return value.value

    def _body(self, text: str) -> str:
        # Another complaint body than the catalogue knows is kept as written.
        return self.vocabulary.find_body(text) or mask_cpr(text)

    def _reason_codes(self, text: str) -> str | Problem:
        codes, unknown = [], []
        for part in re.split(r"[;,]", text):
            if part.strip():
                code = self.vocabulary.find_reason(part)
                (codes if code else unknown).append(code or part.strip())
        if unknown:
            known = ", ".join(self.vocabulary.reason_names)
            return self._verdict(f"Ukendt årsag {', '.join(map(repr, unknown))}. Kendte årsager: {known}.", code="reason-unknown")
        return ";".join(dict.fromkeys(codes))

    def _citizen_of_cpr(self, text: str) -> str | Problem:
        if len(text) == 9 and text.isdigit():
            text = "0" + text  # a CPR number stored as a number in Excel loses its leading zero
        digits = normalise_cpr(text)
        return self._verdict(cpr_problem(text), code="cpr-invalid") if digits is None else self._pseudonym(digits)

    def _citizen_of_id(self, text: str) -> str | Problem:
        digits = normalise_cpr(text)
        if digits is not None:
            self._cpr_citizen_ids.add(text)
            return self._pseudonym(digits)
        if contains_cpr(text):
            return self._verdict("borger_id indeholder et CPR-nummer sammen med anden tekst.", code="cpr-in-citizen-id")
        return text[:64]

    def _pseudonym(self, digits: str) -> str:
        cached = self._pseudonyms.get(digits)
        if cached is None:
            if self._key is None:
                self._key = self._key_loader()
                self.summary.key_fingerprint = key_fingerprint(self._key)
            cached = self._pseudonyms[digits] = pseudonym(self._key, digits)
        return cached

    # -- the rows -------------------------------------------------------------------------------

    def read(self, rows: Iterable[tuple[int, list[str]]]) -> Iterator[CaseChunk]:
        """The rows, CHUNK_ROWS at a time, as valid cases and rejected rows; the demo's mark, a
        row of its own, is noted in the summary and is no case."""
        rows = filter(self._not_mark, rows)
        while chunk := list(itertools.islice(rows, CHUNK_ROWS)):
            yield self._read_chunk(chunk)

    def _not_mark(self, row: tuple[int, list[str]]) -> bool:
        if row[1] and is_synthetic_line(row[1][0]):
            self.summary.synthetic = True
            return False
        return True

    def read_beside(self, rows: Iterable[tuple[int, list[str]]]) -> Iterator[CaseChunk]:
        """As `read`, but the rows are read and checked in a child process on the other core, while
        the caller writes the chunk before (see child_process). The summary arrives at the end."""
        if not can_fork():
            yield from self.read(rows)
            return

        def produce() -> Iterator[bytes]:
            for chunk in self.read(rows):
                yield b"c" + chunk.packed()
            yield b"s" + pickle.dumps(self.summary)

        for message in in_child_process(produce):
            if message[:1] == b"c":
                yield CaseChunk.unpacked(message[1:])
            else:
                self.summary = pickle.loads(message[1:])

    def _read_chunk(self, chunk: list[tuple[int, list[str]]]) -> CaseChunk:
        n = len(chunk)
        self.summary.rows += n
        width = len(self.choice.header)
        lines = [line for line, _ in chunk]
        self._lines = lines  # where _bad places a problem of the chunk's row k
        rows = [cells for _, cells in chunk]
        problems: dict[int, list[Problem]] = {}  # row in the chunk → its problems, in check order
        for k in [k for k, cells in enumerate(rows) if len(cells) != width]:
            cells = rows[k]
            if len(cells) > width and any(cells[width:]):
                problems.setdefault(k, []).append(Problem(
                    self.file, f"Rækken har {len(cells)} felter, men overskriften kun {width}.", lines[k],
                    f"{width + 1}", None, self.position, code="row-width"))
            rows[k] = (cells + [""] * (width - len(cells)))[:width]
        file_columns = list(zip(*rows))
        empty = ("",) * n  # a column the file doesn't have

        def column(name: str) -> tuple[str, ...]:
            i = self.choice.index.get(name)
            return empty if i is None else file_columns[i]

        def flag(name: str, values: list, meanings: _Meanings, show: bool = True) -> None:
            """Rows whose value is a Problem get it as a problem of column `name`, and the empty value."""
            texts = column(name)
            for k, value in enumerate(values):
                if type(value) is Problem:
                    self._bad(problems, k, name, value.message, texts[k] if show else None, value.code)
                    values[k] = meanings.empty

        case_ids = column("sags_id")
        self._check_case_ids(case_ids, lines, problems)

        citizens, bad = self._cpr_texts.of(column("cpr"))
        if bad:
            flag("cpr", citizens, self._cpr_texts, show=False)
        citizen_ids = column("borger_id")
        if any(citizen_ids):
            # borger_id is read when there is no (valid) CPR number
            ids, bad = self._citizen_ids.of(citizen_ids)
            for k, citizen in enumerate(citizens):
                if not citizen and ids[k]:
                    if type(ids[k]) is Problem:
                        self._bad(problems, k, "borger_id", ids[k].message, None, ids[k].code)
                    else:
                        citizens[k] = ids[k]
                        if citizen_ids[k] in self._cpr_citizen_ids:
                            self.summary.cpr_in_citizen_id += 1

        basis_texts = column("lovgrundlag")
        bases, _ = self._bases.of(basis_texts)
        for text, count in Counter(basis_texts).items():
            if text and not self._bases.known[text][0]:
                label = mask_cpr(text)
                self.summary.unknown_bases[label] = self.summary.unknown_bases.get(label, 0) + count

        dates = {}
        for name in DATE_COLUMNS:
            dates[name], bad = self._dates.of(column(name))
            if bad:
                flag(name, dates[name], self._dates)
        self._check_date_order(dates, column, problems)

        reassessments, bad = self._reassessments.of(column("genvurdering"))
        if bad:
            flag("genvurdering", reassessments, self._reassessments)
        bodies, _ = self._bodies.of(column("klageinstans"))

        outcome_texts, body_date_texts = column("udfald"), column("instans_afgoerelsesdato")
        outcomes, bad = self._outcomes.of(outcome_texts)
        if bad:
            flag("udfald", outcomes, self._outcomes)
        for k in [k for k, (o, d) in enumerate(zip(outcome_texts, body_date_texts)) if (not o) != (not d)]:
            if not outcome_texts[k]:
                self._bad(problems, k, "instans_afgoerelsesdato",
                          "Klageinstansens afgørelsesdato er udfyldt, men udfald mangler.", body_date_texts[k], "outcome-missing")
            elif outcomes[k][0]:  # an unknown outcome is one problem, not two
                self._bad(problems, k, "udfald", "Udfaldet er udfyldt, men instans_afgoerelsesdato mangler.",
                          outcome_texts[k], "body-date-missing")

        reasons, bad = self._reasons.of(column("aarsag"))
        if bad:
            flag("aarsag", reasons, self._reasons)

        bases_masked = self._masked(basis_texts)
        committees = self._masked(column("omraade"))
        descriptions = self._masked(column("beskrivelse"))
        learnings = self._masked(column("laering"))
        for masked, raw_texts in ((bases_masked, basis_texts), (committees, column("omraade")),
                                  (descriptions, column("beskrivelse")), (learnings, column("laering"))):
            if masked is not raw_texts:  # counted in the rows that are kept, as the import report says
                self.summary.masked_cells += sum(1 for k, (m, r) in enumerate(zip(masked, raw_texts))
                                                 if m is not r and k not in problems)
        laws, provisions = zip(*bases)
        outcome_values, outcome_labels = zip(*outcomes)
        texts = [case_ids, citizens, bases_masked, laws, provisions, committees, dates["afgoerelsesdato"],
                 dates["klagedato"], reassessments, dates["genvurderingsdato"], bodies, dates["videresendt"],
                 dates["instans_afgoerelsesdato"], outcome_values, outcome_labels, reasons, descriptions, learnings]
        rejects = [RejectedRow(lines[k], problems[k], self._masked_cells(rows[k])) for k in sorted(problems)]
        if problems:
            keep = [k for k in range(n) if k not in problems]
            lines = [lines[k] for k in keep]
            texts = [[values[k] for k in keep] for values in texts]
        return CaseChunk(lines, texts, content_hashes(texts), rejects)

    @staticmethod
    def _masked(texts: Sequence[str]) -> Sequence[str]:
        """Free text with CPR-like numbers masked; `texts` itself when there are none."""
        # One search of the column's distinct texts finds the common case, no CPR anywhere. "\n"
        # can't be part of a CPR number, so no number is made up across two texts.
        if not contains_cpr("\n".join(set(texts))):
            return texts
        return list(map(mask_cpr, texts))

    def _check_case_ids(self, case_ids: Sequence[str], lines: list[int], problems: dict) -> None:
        firsts = dict(zip(case_ids, lines))
        if (len(firsts) == len(case_ids) and "" not in firsts and self._seen.keys().isdisjoint(firsts)
                and not contains_cpr("\n".join(case_ids))):
            self._seen.update(firsts)  # the common case: all present, new and no CPR number
            return
        for k, case_id in enumerate(case_ids):
            if not case_id:
                self._bad(problems, k, "sags_id", "sags_id mangler.", None, "case-id-missing")
            elif contains_cpr(case_id):
                self._bad(problems, k, "sags_id", "sags_id ligner et CPR-nummer; brug kommunens sagsnummer.", None, "case-id-cpr")
            else:
                first = self._seen.setdefault(case_id, lines[k])
                if first != lines[k]:
                    self._bad(problems, k, "sags_id",
                              f"sags_id findes også på {self.position} {first}; kun den første række er læst.", case_id, "case-id-duplicate")

    def _check_date_order(self, dates: dict[str, list[str]], column: Callable, problems: dict) -> None:
        """The dates of one case in the order things happen (ISO text compares as dates)."""
        complained, forwarded = dates["klagedato"], dates["videresendt"]
        later = [k for k, (d, c) in enumerate(zip(dates["afgoerelsesdato"], complained)) if c and d > c]
        for k in later:
            self._bad(problems, k, "afgoerelsesdato", f"Afgørelsen er dateret efter klagen ({_dmy(complained[k])}).",
                      column("afgoerelsesdato")[k], "date-order")
        for name in ("genvurderingsdato", "videresendt", "instans_afgoerelsesdato"):
            for k in [k for k, (d, c) in enumerate(zip(dates[name], complained)) if d and d < c]:
                self._bad(problems, k, name, f"Datoen ligger før klagedatoen ({_dmy(complained[k])}).", column(name)[k], "date-order")
        for k in [k for k, (b, f) in enumerate(zip(dates["instans_afgoerelsesdato"], forwarded)) if b and b < f]:
            self._bad(problems, k, "instans_afgoerelsesdato",
                      f"Klageinstansens afgørelse ligger før videresendelsen ({_dmy(forwarded[k])}).",
                      column("instans_afgoerelsesdato")[k], "date-order")

    def _bad(self, problems: dict, k: int, name: str, message: str, value: str | None, code: str) -> None:
        """A problem in row k of the chunk; `value` is the cell as typed, or None when it mustn't be
        shown. (Problem masks CPR numbers in every text.)"""
        problems.setdefault(k, []).append(
            Problem(self.file, message, self._lines[k], self._header(name), value or None, self.position, code=code))

    def _verdict(self, message: str, code: str) -> Problem:
        """What a cell text means when it can't be read: kept per distinct text, placed by _bad."""
        return Problem(self.file, message, code=code)

    def _header(self, name: str) -> str:
        i = self.choice.index.get(name)
        return self.choice.header[i] if i is not None else name

    def _masked_cells(self, cells: list[str]) -> dict[str, str]:
        """The row as the file had it, for the rejects list; the CPR column is never kept."""
        cpr_index = self.choice.index.get("cpr")
        kept = {}
        for i, header in enumerate(self.choice.header):
            value = cells[i] if i < len(cells) else ""
            if i == cpr_index and value:
                value = "[CPR-nr. fjernet]"
            kept[header] = mask_cpr(value)
        return kept


HASH_SEPARATOR = "\x1f"  # ASCII's unit separator: control characters don't occur in register text


def content_hashes(columns: Sequence[Sequence[str]]) -> list[str]:
    """Identifies each case's content (CASE_FIELDS as text, "" for empty): equal hashes mean an
    import has nothing new to say about the case.

    BLAKE2b of 128 bits: no two versions of a case will ever collide, and it is the cheapest of
    hashlib's hashes for short texts; this runs for every row of a million-row register.
    """
    blake2b, join = hashlib.blake2b, HASH_SEPARATOR.join
    return [blake2b(join(values).encode("utf-8"), digest_size=16).hexdigest() for values in zip(*columns)]
