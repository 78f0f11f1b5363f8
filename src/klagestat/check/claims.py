"""Finding the figures about complaints in a committee text (`klagestat check`), each with what it
is about. Precision before recall: a number is a claim only when the words beside it say what it
measures (a reversal rate, an outcome, decided cases) in a text about complaints; dates, case
numbers, kroner, paragraphs and phone numbers never are. The names of municipalities, the nation,
the maps and the laws come from the catalogue.

Sentences: the lines of a paragraph are joined (a PDF breaks lines inside sentences) and split at
sentence ends. Tables: consecutive table rows, the first being the header; a column is a year or
an outcome (the catalogue's outcome labels) or a rate ("% omgjort"); a row is a municipality, the
nation or the table's own grouping (an area of the administration, "I alt").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TypeVar

from klagestat.domain.catalogue import NATIONAL_CODE, AreaLevel, Catalogue
from klagestat.domain.legal_basis import paragraph_references, provision_key
from klagestat.domain.outcomes import TOTAL
from klagestat.domain.text import normalise
from klagestat.ingest.committee_text import CommitteeText, TextLine

T = TypeVar("T")

# What a number measures. Rates and shares are fractions (0..1); counts are cases.
RATE = "rate"  # the reversal rate (omgørelsesprocent)
SHARE = "share"  # an outcome's share (with `outcome`)
COUNT = "count"  # an outcome's cases (with `outcome`), or decided cases (outcome "total")
DIFFERENCE = "difference_from_national"  # the rate minus the nation's, in points (a fraction of 1)
CHANGE = "change_from_last_year"  # the rate minus the year before's
DECIDED = TOTAL

_PERCENT = re.compile(r"(?P<approx>\bca\.\s*|\bcirka\s+|\bomkring\s+)?(?<![\d,.§/-])(?P<num>\d{1,3}(?:,\d{1,2})?)"
                      r"\s*(?:%|pct\.?|procent)(?!\w)", re.IGNORECASE)
_COUNT = re.compile(r"(?<![\d,.§/:-])(?P<num>\d{1,3}(?:\.\d{3})*)(?![\d,.%])\s+"
                    r"(?P<what>(?:[a-zæøå/]+\s+){0,2}?(?:klage)?sager|klager|afgørelser)\b", re.IGNORECASE)
_X_OF_Y = re.compile(r"(?<![\d,.§/-])(?P<x>\d{1,3}(?:\.\d{3})*)\s+(?:sager\s+|klager\s+)?(?:ud\s+)?af\s+(?:de\s+)?"
                     r"(?P<y>\d{1,3}(?:\.\d{3})*)\b", re.IGNORECASE)
_POINTS = re.compile(r"(?<![\d,.§/-])(?P<num>\d{1,3}(?:,\d{1,2})?)\s*(?:procentpoint|pct\.?-point|%-point)s?(?!\w)",
                     re.IGNORECASE)
_YEAR = re.compile(r"(?<![\d./-])(20[0-4]\d|199\d)(?![\d/-]|\.\d)")  # "i 2024." ends a sentence; 2024.5 is no year
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ0-9\"“(])")
# Words with a full stop that don't end a sentence ("ca. 12 pct. af …", "jf. § 100").
_NEVER_ENDS = {"ca", "fx", "jf", "bl.a", "dvs", "nr", "kl", "f.eks", "mht", "vedr", "evt", "hhv", "ift", "mv", "o.l", "stk"}
_ENDS_BEFORE_WORD = {"pct", "kr", "mio", "mia", "mdr", "år"}  # ends a sentence only before a capitalised word
_CHANGE = re.compile(r"(?:stigning|fald|flere|færre|forskel|ændring|yderligere)\s+(?:på\s+)?(?:ca\.\s*)?$",
                     re.IGNORECASE)
# Words around a percent that make it a level, a limit or a figure that isn't ("med 95 % sikkerhed",
# "grænser for 95 % og 99,8 %", "ingen omgørelsesprocent; det er ikke det samme som 0 %"); and ranges ("mellem 30 og 52 %", "fra 24 % til 63 %", "0–29 %").
_NOT_A_FIGURE = re.compile(r"sikkerhed|konfidens|grænse|signifikan|interval|sandsynlig|ikke det samme som|"
                           r"ingen omgørelsesprocent", re.IGNORECASE)
_RANGE_BEFORE = re.compile(r"(?:mellem|fra)\s+(?:ca\.\s*)?$|[–-]\s*$", re.IGNORECASE)
_RANGE_AFTER = re.compile(r"^\s*(?:%|pct\.?|procent)?\s*(?:\([^)]*\)\s*)?(?:og|til|[–-])\s*(?:ca\.\s*)?\d", re.IGNORECASE)
_RANGE_END = re.compile(r"(?:mellem|fra)\s+(?:ca\.\s*)?\d[\d,.]*\s*(?:%|pct\.?)?\s*(?:\([^)]*\)\s*)?(?:og|til)\s+$|"
                        r"\d\s*[–-]\s*$", re.IGNORECASE)
_PARENTHESIS_COUNT = re.compile(r"\(\s*(\d{1,3}(?:\.\d{3})*)\s*\)")

# The words beside a number that say what it measures. The outcome names are the catalogue's;
# these stems catch the verbs and nouns a text uses for them ("hjemviste", "stadfæstelse").
OUTCOME_STEMS = {"upheld": ("stadfæst",), "changed": ("ændret", "ændring", "ophæv"), "remitted": ("hjemvis", "hjemvist"),
                 "dismissed": ("afvis", "afvist")}
RATE_STEMS = ("omgørelsesprocent", "omgjort", "omgjorte", "omgørelse")
DECIDED_STEMS = ("afgjort", "afgjorde", "behandlet", "behandlede", "afgørelse")
COMPLAINT_STEMS = RATE_STEMS + DECIDED_STEMS + ("klage", "ankestyrelsen", "danmarkskort") + tuple(
    s for stems in OUTCOME_STEMS.values() for s in stems)
NOT_THE_NATION = {"i alt", "total", "0", "00", "000", "danmark"}  # the nation's aliases that mean something else in a text


@dataclass(frozen=True)
class Subject:
    """What a figure is about."""

    area_code: str | None  # a municipality, NATIONAL_CODE; None: the table's own row (an area of the administration)
    map: str | None = None  # a map code
    law: str | None = None  # a law id
    year: int | None = None
    row: str | None = None  # a table's row header
    column: str | None = None  # a table's column header
    group: str | None = None  # an area of the --areas file ("Psykiatri- og Handicapudvalgets område")
    # The provision: its key ("serviceloven:100"), or the keys a name fits ("tabt arbejdsfortjeneste":
    # the old serviceloven's and barnets lov's; the year's statistics tell which is meant).
    provisions: tuple[str, ...] = ()
    certain: bool = True  # the map or law is named for this figure alone; else it is only likely (the section's map)


@dataclass
class Claim:
    line: TextLine
    text: str  # the sentence or the table row
    claimed: str  # as printed: "63 %", "ca. 12 pct.", "65"
    value: Fraction  # a rate or share as a fraction of 1; a count as cases
    decimals: int  # a percent's decimals as printed
    measure: str  # RATE, SHARE or COUNT
    outcome: str | None  # the outcome of a SHARE or COUNT (DECIDED: decided cases)
    subject: Subject
    approx: bool = False  # "ca.", "cirka", "omkring"
    parts: tuple[Claim, ...] = ()  # the same sentence's outcome shares (for a rate: sums of rounded parts)
    base: tuple[int, int] | None = None  # "X af Y" beside the figure: the share's own counts
    row_counts: dict[str, int] | None = field(default=None)  # a table row's outcome counts (consistency)
    at: tuple[int, int] | None = None  # a sentence's figure: where it stands in `text`
    cell: int | None = None  # a table's figure: the index of its cell in the row


class Vocabulary:
    """The catalogue's names as patterns in a text: municipalities, the nation, maps, laws."""

    def __init__(self, catalogue: Catalogue, area_names: tuple[str, ...] = ()):
        self.catalogue = catalogue
        self.groups = {normalise(name): name for name in area_names}  # the --areas file's areas
        self._group_pattern = _alternatives(self.groups) if self.groups else None
        places: dict[str, str] = {}
        for m in catalogue.municipalities.values():
            for name in (m.name, *m.aliases):
                if len(name) > 2 and not name.isdigit():
                    places[normalise(name)] = m.code
        for name in (catalogue.national_name, *catalogue.national_aliases):
            if normalise(name) not in NOT_THE_NATION:
                places[normalise(name)] = NATIONAL_CODE
        self.places = places
        self._place_pattern = _alternatives(places)
        self.maps = {normalise(name): code for code, names in catalogue.map_names().items() for name in names}
        self._map_pattern = _alternatives(self.maps, suffix=r"(?:s|et|ets|t)?")
        self._provision_vocabulary()

    def places_in(self, text: str) -> list[tuple[int, str]]:
        """(position, area code) of each municipality or the nation named in the text."""
        return [(m.start(), self.places[m.group(1)]) for m in self._place_pattern.finditer(normalise(text))]

    def maps_in(self, text: str) -> list[tuple[int, str]]:
        return [(m.start(), self.maps[m.group(1)]) for m in self._map_pattern.finditer(normalise(text))]

    def groups_in(self, text: str) -> list[tuple[int, str]]:
        """(position, name) of each area of the --areas file named in the text."""
        if self._group_pattern is None:
            return []
        return [(m.start(), self.groups[m.group(1)]) for m in self._group_pattern.finditer(normalise(text))]

    def provisions_in(self, text: str) -> list[tuple[int, tuple[str, ...]]]:
        """(position, provision keys) of each provision the text names: a paragraph with its law
        ("§ 100 i serviceloven", "barnets lov §§ 87-88"), or a provision's name ("tabt
        arbejdsfortjeneste"; every provision of that name)."""
        found: list[tuple[int, tuple[str, ...]]] = []
        law = self.law_in(text)
        if law is not None:
            for start, _, paragraphs in paragraph_references(text):
                key = provision_key(law, paragraphs)
                if key in self.catalogue.provisions:
                    found.append((start, (key,)))
        if not found:
            found = [(m.start(), self.provision_names[m.group(1)])
                     for m in self._provision_pattern.finditer(normalise(text))]
        return found

    def _provision_vocabulary(self) -> None:
        """A provision's names as texts write them: its name and the part after its last " - "
        ("Børn - tabt arbejdsfortjeneste" → "tabt arbejdsfortjeneste"), at least two words."""
        names: dict[str, set[str]] = {}
        for key, info in self.catalogue.provisions.items():
            for _, name in info.names:
                for form in (name, name.rsplit(" - ", 1)[-1]):
                    form = normalise(form)
                    if len(form.split()) >= 2:
                        names.setdefault(form, set()).add(key)
        self.provision_names = {name: tuple(sorted(keys)) for name, keys in names.items()}
        self._provision_pattern = _alternatives(self.provision_names)

    def law_in(self, text: str) -> str | None:
        law = self.catalogue.law_named_in(text)
        return law.id if law else None

    def area_of_label(self, label: str) -> str | None:
        """A table row's header as a municipality or the nation; None for anything else."""
        area = self.catalogue.find_area(label) if normalise(label) not in NOT_THE_NATION else None
        if area is None or area.level not in (AreaLevel.MUNICIPALITY, AreaLevel.NATIONAL):
            return None
        return area.code


def _alternatives(names: Iterable[str], suffix: str = r"(?:s)?") -> re.Pattern:
    ordered = sorted(names, key=len, reverse=True)  # the longest name first: "Socialområdet øvrige" before "Socialområdet"
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(n) for n in ordered) + r")" + suffix + r"(?!\w)")


# ---- the text as sentences and tables --------------------------------------------------------------

@dataclass
class Sentence:
    text: str
    starts: list[tuple[int, TextLine]]  # (offset in text, line) where each line begins
    context_map: str | None  # the map the text talked about last, if the sentence names none (likely)
    heading_map: str | None = None  # the map the section's heading names (certain)

    def line_at(self, offset: int) -> TextLine:
        line = self.starts[0][1]
        for start, candidate in self.starts:
            if start <= offset:
                line = candidate
        return line


def sentences_and_tables(text: CommitteeText, vocabulary: Vocabulary) -> Iterator[Sentence | list[TextLine]]:
    """The text's sentences (lines of a paragraph joined) and tables (runs of table rows), in order."""
    paragraph: list[TextLine] = []
    table: list[TextLine] = []
    section_map: str | None = None
    heading_map: str | None = None

    def flush_paragraph() -> Iterator[Sentence]:
        nonlocal section_map, heading_map
        if not paragraph:
            return
        if len(paragraph) == 1 and _is_heading(paragraph[0].text):
            named = {code for _, code in vocabulary.maps_in(paragraph[0].text)}
            heading_map = named.pop() if len(named) == 1 else None  # a new section: its map, or none
            section_map = heading_map or section_map
            paragraph.clear()
            return
        joined, starts = "", []
        for line in paragraph:
            if joined.endswith("-") and not joined.endswith(" -"):
                joined = joined[:-1]  # a word broken at the line's end
            elif joined:
                joined += " "
            starts.append((len(joined), line))
            joined += line.text
        offset = 0
        for part in _split_sentences(joined):
            begin = joined.index(part, offset)
            offset = begin + len(part)
            yield Sentence(part, [(max(0, s - begin), line) for s, line in starts if s < offset] or [(0, paragraph[0])],
                           section_map, heading_map)
            in_sentence = vocabulary.maps_in(part)
            if in_sentence:
                section_map = in_sentence[-1][1]  # the map the text goes on about, until it names another
        paragraph.clear()

    for line in text.lines:
        if line.text.startswith("!["):
            continue  # a Markdown image: its description is not a claim
        if line.cells is not None:
            yield from flush_paragraph()
            table.append(line)
            continue
        if table:
            yield table
            table = []
        if not line.text:
            yield from flush_paragraph()
            continue
        if paragraph and (_stands_alone(line.text) or text.whole_paragraphs):
            yield from flush_paragraph()
        paragraph.append(line)
    yield from flush_paragraph()
    if table:
        yield table


MAX_SENTENCE = 1000  # characters: longer "sentences" (no full stops for pages) are cut at a space


def _split_sentences(text: str) -> list[str]:
    """The sentences of a paragraph; a run without sentence ends is cut into pieces of at most
    MAX_SENTENCE characters, so the work per figure stays bounded."""
    return [piece for part in _sentences(text) for piece in _pieces(part)]


def _pieces(text: str) -> list[str]:
    pieces = []
    while len(text) > MAX_SENTENCE:
        cut = text.rfind(" ", 0, MAX_SENTENCE)
        cut = cut if cut > 0 else MAX_SENTENCE
        pieces.append(text[:cut])
        text = text[cut:].lstrip()
    return [*pieces, text] if text.strip() else pieces


def _sentences(text: str) -> list[str]:
    parts, begin = [], 0
    for m in _SENTENCE_END.finditer(text):
        word = re.search(r"([\wæøå.]+)[.!?]$", text[begin:m.start()].lower())
        before = word.group(1) if word else ""
        if before in _NEVER_ENDS or (before in _ENDS_BEFORE_WORD and not text[m.end()].isalpha()):
            continue
        parts.append(text[begin:m.start()])
        begin = m.end()
    parts.append(text[begin:])
    return [p for p in parts if p.strip()]


def _is_heading(text: str) -> bool:
    """A line on its own that is a heading: Markdown's "#", or short and not a sentence."""
    stripped = text.strip()
    return stripped.startswith("#") or (len(stripped) <= 60 and not stripped.endswith((".", ",", ";"))
                                       and not any(ch.isdigit() for ch in stripped))


def _stands_alone(text: str) -> bool:
    """A bullet or a heading-like line starts a new paragraph even without a blank line before it."""
    return bool(re.match(r"^\s*(?:[-•*–]|\d+[.)])\s", text))


# ---- claims in sentences -------------------------------------------------------------------------------

def _number(text: str) -> Fraction:
    return Fraction(text.replace(".", "").replace(",", "."))


def _nearest(found: list[tuple[int, T]], position: int) -> T | None:
    """What is named nearest the position (the first of two as near), of (position, what) pairs."""
    return min(found, key=lambda f: abs(f[0] - position))[1] if found else None


def _measure_near(text: str, start: int, end: int, left: int, right: int) -> str | None:
    """What the number's own stretch of the sentence names: the nearest outcome or rate, else
    decided cases ("I 24 sager er kommunens afgørelse blevet stadfæstet": upheld, not decided)."""
    lowered = text.lower()
    for kinds in ((*OUTCOME_STEMS.items(), (RATE, RATE_STEMS)), ((DECIDED, DECIDED_STEMS),)):
        best: tuple[int, str] | None = None
        for name, stems in kinds:
            for stem in stems:
                for m in re.finditer(re.escape(stem), lowered[left:right]):
                    where = left + m.start()
                    distance = where - end if where >= end else start - where
                    if best is None or distance < best[0]:
                        best = (distance, name)
        if best:
            return best[1]
    return None


def sentence_claims(sentence: Sentence, vocabulary: Vocabulary, default_code: str, default_year: int) -> list[Claim]:
    text = sentence.text
    lowered = text.lower()
    if not any(stem in lowered for stem in COMPLAINT_STEMS):
        return []
    numbers: list[tuple[int, int, str, re.Match]] = []
    for m in _PERCENT.finditer(text):
        numbers.append((m.start("num"), m.end(), "percent", m))
    taken = [(a, b) for a, b, _, _ in numbers]
    for m in _COUNT.finditer(text):
        if not any(a <= m.start("num") < b for a, b in taken) and not _is_year(m.group("num")):
            numbers.append((m.start("num"), m.end("num"), "count", m))
    numbers.sort(key=lambda n: n[0])
    places = vocabulary.places_in(text)
    maps = vocabulary.maps_in(text)
    groups = vocabulary.groups_in(text)
    provisions = vocabulary.provisions_in(text)
    law = vocabulary.law_in(text)
    years = [(m.start(), int(m.group(1))) for m in _YEAR.finditer(text)]
    x_of_y = [(m.start(), m.end(), int(m.group("x").replace(".", "")), int(m.group("y").replace(".", "")))
              for m in _X_OF_Y.finditer(text)]
    claims: list[Claim] = []
    claimed_at: dict[int, Claim] = {}  # the claim made of each number, by its place in `numbers`
    for i, (start, end, kind, m) in enumerate(numbers):
        left = numbers[i - 1][1] if i else 0
        right = numbers[i + 1][0] if i + 1 < len(numbers) else len(text)
        base_of = next((y for a, b, x, y in x_of_y if b - len(str(y)) <= start < b and kind == "count"), None)
        whole_after = next((b for a, b, x, y in x_of_y if a == start and kind == "count"), None)
        if base_of is not None:
            measure_word: str | None = DECIDED  # "8 af 65 sager": 65 is the decided cases
        elif whole_after is not None:  # "8 sager ud af 65 sager er blevet ændret": 8 is what is said after 65
            after = next((n[0] for n in numbers if n[0] > whole_after), len(text))
            measure_word = _measure_near(text, start, end, left, after)
            measure_word = None if measure_word == DECIDED else measure_word
        else:
            measure_word = _measure_near(text, start, end, left, right)
        previous = claimed_at.get(i - 1) if i and numbers[i - 1][2] == kind else None
        if measure_word is None and previous is not None and len(text[left:start].strip()) <= 20:
            # "63 % mod 45 % på landsplan", "65 sager i 2024 mod 45 sager i 2023": compared with the one before
            measure_word = RATE if previous.measure == RATE else previous.outcome
        if measure_word is None or _CHANGE.search(text[max(left, start - 30):start]):
            continue  # nothing says what it measures, or it is a change ("en stigning på 20 sager")
        if _NOT_A_FIGURE.search(text[max(0, start - 30):min(len(text), end + 30)]) or _in_range(text, start, end):
            continue  # a confidence level, a limit or an interval's end: not a figure of the statistics
        if kind == "percent":
            if measure_word == DECIDED:
                continue  # a share of decided cases is not a figure the statistics give
            measure, outcome = (RATE, None) if measure_word == RATE else (SHARE, measure_word)
            raw = m.group("num")
            value = _number(raw) / 100
            decimals = len(raw.split(",")[1]) if "," in raw else 0
            claimed = text[m.start():m.end()].strip()
        else:
            if measure_word == RATE:
                continue  # "omgjorte sager" counts are reversed cases: checked through their parts
            measure, outcome = COUNT, measure_word
            value, decimals, claimed = _number(m.group("num")), 0, m.group("num")
        subject = Subject(_subject_area(places, start, end, left, right, text) or default_code,
                          year=_year_near(years, start, end, left, right) or default_year)
        base = next(((x, y) for a, b, x, y in x_of_y if b <= start and start - b < 80 and kind == "percent"), None)
        claims.append(Claim(sentence.line_at(start), text, claimed, value, decimals, measure, outcome,
                            _with_scope(subject, sentence, start, maps, groups, provisions, law),
                            approx=bool(m.groupdict().get("approx")), base=base,
                            at=(m.start() if kind == "percent" else start, end if kind == "percent" else m.end("num"))))
        claimed_at[i] = claims[-1]
    rates = [c for c in claims if c.measure == RATE]
    shares = tuple(c for c in claims if c.measure == SHARE)
    for c in rates:
        c.parts = shares
    claims += _point_claims(sentence, vocabulary, default_code, default_year, places, maps, years)
    return sorted(claims, key=lambda c: c.at[0] if c.at else 0)


def _with_scope(subject: Subject, sentence: Sentence, start: int, maps: list[tuple[int, str]],
                groups: list[tuple[int, str]], provisions: list[tuple[int, tuple[str, ...]]],
                law: str | None) -> Subject:
    """The figure's scope: an area of the --areas file, a provision, a map or a law named in the
    sentence (the nearest), else the map of the section's heading, else the map the text talked
    about last. Certain when one of them is named for it (one map only, and the number not a
    whole being split up: "fordelt på"); the map talked about last is only likely."""
    group = _nearest(groups, start)
    provision = None if group else _nearest(provisions, start)
    named = {code for _, code in maps}
    map_code = None if group or provision else _nearest(maps, start)
    certain = (group is not None or provision is not None or len(named) == 1 or (
        not named and (law is not None or sentence.heading_map is not None))) and "fordel" not in sentence.text.lower()
    if map_code is None and not law and not group and not provision:
        map_code = sentence.heading_map or sentence.context_map
    return replace(subject, map=map_code, law=law if not (map_code or group or provision) else None, group=group,
                   provisions=provision or (), certain=certain)


def _point_claims(sentence: Sentence, vocabulary: Vocabulary, default_code: str, default_year: int,
                  places: list[tuple[int, str]], maps: list[tuple[int, str]],
                  years: list[tuple[int, int]]) -> list[Claim]:
    """Differences in percentage points: from the nation ("1,4 procentpoint under
    landsgennemsnittet") or from the year before ("steget 18 procentpoint fra 2023"). The sign
    is the words': under/lavere/faldet is minus."""
    text = sentence.text
    claims = []
    for m in _POINTS.finditer(text):
        start, end = m.start("num"), m.end()
        near = text[max(0, start - 60):min(len(text), end + 60)].lower()
        after = text[end:end + 40]
        to_nation = any(code == NATIONAL_CODE for p, code in places if end <= p <= end + 40) or \
            any(word in after.lower() for word in ("landsgennemsnit", "landsplan"))
        if to_nation:
            measure = DIFFERENCE
            minus = bool(re.search(r"\b(?:under|lavere|mindre)\b", after, re.IGNORECASE))
        elif re.search(r"stig|steg|fald|øget|øgning|mindsk", near):
            measure = CHANGE
            minus = bool(re.search(r"fald|mindsk", near))
        else:
            continue  # points between two things the text doesn't name: nothing to check against
        raw = m.group("num")
        value = _number(raw) / 100 * (-1 if minus else 1)
        area = _subject_area([(p, c) for p, c in places if c != NATIONAL_CODE], start, end, 0, len(text), text) \
            or default_code
        named = {code for _, code in maps}
        map_code = _nearest(maps, start) or sentence.heading_map or sentence.context_map
        certain = len(named) == 1 or (not named and sentence.heading_map is not None)
        year = _year_near(years, start, end, 0, len(text)) or default_year
        if measure == CHANGE and any(y == year for _, y in years) and len({y for _, y in years}) == 2:
            year = max(y for _, y in years)  # "fra 2023 til 2024": the change into the later year
        claims.append(Claim(sentence.line_at(start), text, text[m.start():m.end()].strip(), value,
                            len(raw.split(",")[1]) if "," in raw else 0, measure, None,
                            Subject(area, map_code, None, year, certain=certain), at=(m.start(), m.end())))
    return claims


def _in_range(text: str, start: int, end: int) -> bool:
    """The number is one end of a range: "mellem 30 og 52 %", "fra 24 % (Roskilde) til 63 %", "0–29 %"."""
    before, after = text[max(0, start - 40):start], text[end:end + 40]
    if _RANGE_BEFORE.search(before) and _RANGE_AFTER.match(after):
        return True
    return bool(_RANGE_END.search(before))


def _is_year(text: str) -> bool:
    return bool(_YEAR.fullmatch(text))


def _subject_area(places: list[tuple[int, str]], start: int, end: int, left: int, right: int, text: str) -> str | None:
    """The nation when it is named right after the number ("45 % på landsplan") or in the
    number's own stretch; else the municipality named nearest before it in its stretch or the
    sentence."""
    after = [code for p, code in places if end <= p <= min(right, end + 40)]
    if after and after[0] == NATIONAL_CODE:
        return NATIONAL_CODE
    # A place named right after the number before this one is that number's ("mod 44,9 % på
    # landsplan (72 sager)": the 72 are not the nation's).
    own = [(p, code) for p, code in places if not (left and left <= p <= left + 20)]
    before = [code for p, code in own if left <= p < start]
    if before:
        return before[-1]
    earlier = [code for p, code in own if p < start]
    return earlier[-1] if earlier else None


def _year_near(years: list[tuple[int, int]], start: int, end: int, left: int, right: int) -> int | None:
    after = [y for p, y in years if end <= p <= right]
    if after:
        return after[0]
    before = [y for p, y in years if left <= p < start]
    if before:
        return before[-1]
    earlier = [y for p, y in years if p < start]
    return earlier[-1] if earlier else None


# ---- claims in tables ------------------------------------------------------------------------------------

def table_claims(rows: list[TextLine], caption: str, vocabulary: Vocabulary, default_code: str,
                 default_year: int) -> list[Claim]:
    """The figures of a table: year columns ("63% (65)": the rate, and the decided cases in
    parentheses) or outcome columns (counts, "% omgjort"); a row is a municipality, the nation or
    one of the table's own groups, whose figures are checked against each other."""
    header = _header_for(rows[0].cells or (), len(rows[1].cells or ()) if len(rows) > 1 else 0)
    caption_and_corner = f"{caption} {header[0] if header else ''}"
    if not any(stem in f"{caption} {' '.join(header)}".lower() for stem in COMPLAINT_STEMS):
        return []  # a table of something else (absence, staff): not about complaints
    map_found = vocabulary.maps_in(caption_and_corner)
    table_map = map_found[0][1] if map_found else None
    table_law = None if table_map else vocabulary.law_in(caption_and_corner)
    caption_years = {int(y) for y in _YEAR.findall(caption)}
    table_year = caption_years.pop() if len(caption_years) == 1 else default_year
    columns: dict[int, tuple[str, str | None, int | None]] = {}  # index → (measure, outcome, year)
    for i, cell in enumerate(header):
        if i == 0:
            continue
        if _YEAR.fullmatch(cell.strip()):
            columns[i] = (RATE, None, int(cell.strip()))
            continue
        kind = _column_kind(cell, vocabulary.catalogue)
        if kind is not None:
            columns[i] = (*kind, table_year)
    if not columns:
        return []
    claims: list[Claim] = []
    for row in rows[1:]:
        cells = row.cells or ()
        if len(cells) != len(header) or not cells[0].strip():
            continue  # a row that doesn't line up with the header is not guessed at
        label = cells[0].strip()
        area = vocabulary.area_of_label(label)
        group = vocabulary.groups.get(normalise(label))
        if group is not None:
            area = default_code  # a row per area of the --areas file: the municipality's own figures
        if area is None and any(c[2] != table_year or c[0] == RATE and c[1] is None and _YEAR.fullmatch(
                header[i].strip()) for i, c in columns.items()):
            continue  # a year table's row that is no municipality: nothing to check it against
        row_claims: list[Claim] = []
        counts: dict[str, int] = {}
        for i, (measure, outcome, year) in columns.items():
            cell = cells[i].strip()
            subject = Subject(area, None if group else table_map, None if group else table_law, year, label,
                              header[i].strip(), group=group)
            percent = _PERCENT.search(cell)
            if measure in (RATE, SHARE) and percent:
                raw = percent.group("num")
                row_claims.append(Claim(row, row.text, percent.group(0).strip(), _number(raw) / 100,
                                        len(raw.split(",")[1]) if "," in raw else 0, measure, outcome, subject, cell=i))
                within = _PARENTHESIS_COUNT.search(cell)
                if within and "afgjort" in caption.lower():
                    row_claims.append(Claim(row, row.text, f"({within.group(1)})", _number(within.group(1)), 0, COUNT,
                                            DECIDED, subject, cell=i))
            elif measure == COUNT and re.fullmatch(r"\d{1,3}(?:\.\d{3})*", cell):
                counts[outcome or DECIDED] = int(cell.replace(".", ""))
                row_claims.append(Claim(row, row.text, cell, _number(cell), 0, COUNT, outcome, subject, cell=i))
        for claim in row_claims:
            claim.row_counts = counts or None
        claims += row_claims
    return claims


def _header_for(header: tuple[str, ...], width: int) -> tuple[str, ...]:
    """The header as wide as the rows below it, where a PDF ran cells together: a year written
    after the corner's text ("Socialområdet generelt 2024") is its own column, and an empty
    corner cell, which leaves no text, comes back."""
    split: list[str] = []
    missing = width - len(header)
    for cell in header:
        m = re.fullmatch(r"(.*\S)\s+((?:19|20)\d\d)", cell.strip())
        if m and missing > 0:
            split += [m.group(1), m.group(2)]
            missing -= 1
        else:
            split.append(cell)
    header = tuple(split)
    if len(header) == width - 1:
        header = ("", *header)
    return header


def _column_kind(header: str, catalogue: Catalogue) -> tuple[str, str | None] | None:
    """What a column holds, from its header: a count of an outcome or of decided cases (the
    catalogue's outcome labels first), a reversal rate, an outcome's share."""
    lowered = header.lower()
    if "%" in header or "pct" in lowered or "procent" in lowered or "andel" in lowered:
        if any(stem in lowered for stem in RATE_STEMS):
            return RATE, None
        for outcome, stems in OUTCOME_STEMS.items():
            if any(stem in lowered for stem in stems):
                return SHARE, outcome
        return None
    label = catalogue.outcome_for_label(header)
    if label is not None:
        return COUNT, label
    for outcome, stems in OUTCOME_STEMS.items():
        if any(stem in lowered for stem in stems):
            return COUNT, outcome
    if any(stem in lowered for stem in DECIDED_STEMS):
        return COUNT, DECIDED
    return None
