"""The command line's own words in Danish: `--help` and usage errors.

Typer (and the Click inside it) write "Usage:", "Options", "Show this message and exit.",
"[required]" and their error messages in English. Click's extension points let every help text
pass through a formatter of our own (`DanishCommand`, `DanishGroup` use `DanishContext`, whose
formatter translates), and `main` in cli.py turns usage errors into Danish with
`usage_error_da`. A command's description is shown whole in the command list, never cut off.
"""

from __future__ import annotations

import re

from typer.core import TyperCommand, TyperGroup

_Context = TyperCommand.context_class
_Formatter = _Context.formatter_class

HEADINGS_DA = {"Options": "Tilvalg", "Commands": "Kommandoer", "Arguments": "Argumenter"}
USAGE_DA = [("[OPTIONS]", "[TILVALG]"), ("COMMAND [ARGS]...", "KOMMANDO [ARGUMENTER]..."), ("[ARGS]...", "[ARGUMENTER]...")]
HELP_DA = [
    ("Show this message and exit.", "Vis denne hjælp, og afslut."),
    ("[required]", "[skal angives]"),
    ("[default: ", "[standard: "),
]
# Typer's metavars name Python types ("<str>", "<list[str]>"): a user reads what to write.
METAVARS_DA = [
    (r"<list\[(.+?)\]>", r"<\1>"),
    (r"<str>", "<tekst>"),
    (r"<int>", "<tal>"),
    (r"<path>", "<fil>"),
    (r"<bool>", "<ja/nej>"),
]
USAGE_ERRORS_DA = [
    (r"Missing option '(.+?)'\.?", r"Tilvalget \1 mangler."),
    (r"Missing argument '(.+?)'\.?", r"Argumentet \1 mangler."),
    (r"No such option: (\S+) \(Possible options: (.+)\)", r"Ukendt tilvalg: \1. Mente du \2?"),
    (r"No such option: (\S+)", r"Ukendt tilvalg: \1."),
    (r"No such command '(.+?)'\.?", r"Ukendt kommando: \1."),
    (r"Missing command\.?", r"Kommandoen mangler."),
    (r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)", r"Uventet ekstra argument: \1."),
    (r"Option '(.+?)' requires an argument\.", r"Tilvalget \1 skal have en værdi."),
    (r"Invalid value for '(.+?)': (?:Value error, )?'(.+?)' is not one of (.+?)\.?$",
     r"Ugyldig værdi for \1: '\2' er ikke en af \3."),
    (r"Invalid value for '(.+?)': '(.+?)' is not a valid integer\.?", r"Ugyldig værdi for \1: '\2' er ikke et helt tal."),
    (r"Invalid value for '(.+?)': (.+)", r"Ugyldig værdi for \1: \2"),
]


def usage_error_da(message: str) -> str:
    text = message.strip()
    for pattern, replacement in USAGE_ERRORS_DA:
        if re.fullmatch(pattern, text):
            return re.sub(pattern, replacement, text)
    return text


def _replaced(text: str, pairs) -> str:
    for english, danish in pairs:
        text = text.replace(english, danish)
    return text


def _metavars(text: str) -> str:
    for pattern, danish in METAVARS_DA:
        text = re.sub(pattern, danish, text)
    return text


class DanishFormatter(_Formatter):  # type: ignore[valid-type,misc]  # Click's formatter, as Typer has it
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, _metavars(_replaced(args, USAGE_DA)), "Brug: ")

    def write_heading(self, heading: str) -> None:
        super().write_heading(HEADINGS_DA.get(heading, heading))

    def write_dl(self, rows, *args, **kwargs) -> None:
        super().write_dl([(_metavars(term), _replaced(text, HELP_DA)) for term, text in rows], *args, **kwargs)


class DanishContext(_Context):  # type: ignore[valid-type,misc]
    formatter_class = DanishFormatter


def _whole_first_paragraph(help_text: str | None) -> str:
    return " ".join((help_text or "").strip().split("\n\n")[0].split())


class DanishCommand(TyperCommand):
    context_class = DanishContext

    def get_short_help_str(self, limit: int = 45) -> str:
        return self.short_help or _whole_first_paragraph(self.help)


class DanishGroup(TyperGroup):
    context_class = DanishContext

    def get_short_help_str(self, limit: int = 45) -> str:
        return self.short_help or _whole_first_paragraph(self.help)
