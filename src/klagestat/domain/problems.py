"""The project's error vocabulary: what went wrong for a user, in Danish, never a traceback.

Every such error is a `KlagestatError`, which knows its exit code (the command line) and its HTTP
status (the web); `cli.py` and `web/errors.py` each have one handler for all of them.

Problems found in an input file say what is wrong and exactly where. They are collected, not
raised one at a time, so a user sees every problem in a file at once (as frictionless does);
`InputError` carries them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from klagestat.domain.cpr import mask_cpr

MAX_SHOWN = 40


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in an input: what (`message`, Danish, for people; `code`, stable, for
    programs and tests, e.g. "date-in-future") and where (file, line, column, value)."""

    file: str
    message: str  # Danish, a whole sentence
    line: int | None = None
    column: str | None = None
    value: str | None = None
    position: str = "linje"  # "værdi nr." in JSON-stat, where there are no lines
    code: str = field(kw_only=True)  # lower-case words joined by "-"; never changes with the wording

    def __post_init__(self) -> None:
        # Every text of a problem comes from the user's file (a name, a header, a value, a message
        # that quotes one): no CPR number may reach a message, a log or the rejects list.
        for name in ("file", "message", "column", "value"):
            text = getattr(self, name)
            if text is not None:
                object.__setattr__(self, name, mask_cpr(text))

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"{self.position} {self.line}")
        if self.column is not None:
            where.append(f"kolonne {self.column}")
        place = ", ".join(where)
        value = f" (værdi: {self.value!r})" if self.value is not None else ""
        return f"{place}{value}: {self.message}"


class KlagestatError(Exception):
    """A user's mistake or a thing not there, said in Danish."""

    exit_code = 2
    http_status = 422

    def public_message(self) -> str:
        """The message for a web page (str(self) for the command line)."""
        return str(self)


class NoDataError(KlagestatError, LookupError):
    """Nothing stored for what was asked. `command`: the command that would store it, for the
    command line; a web page shows only the message."""

    http_status = 404

    def __init__(self, message: str, command: str | None = None):
        super().__init__(message)
        self.message, self.command = message, command

    def __str__(self) -> str:
        return self.message + (f" {self.command}" if self.command else "")

    def public_message(self) -> str:
        return self.message


IMPORT_HEADLINE = "Filen blev ikke importeret, fordi den har fejl:"
IMPORT_FOOTER = "Intet er importeret."


class InputError(KlagestatError):
    """Bad input: a Danish message naming what and where."""

    def __init__(self, problems: list[Problem], headline: str = "", hint: str = "", footer: str = ""):
        self.problems = problems
        self.headline = headline or "Der er fejl i filen:"
        self.hint = hint
        self.footer = footer
        super().__init__(self.render())

    def __reduce__(self):
        # Re-created from its parts, so it survives the pipe from a child process (child_process).
        return type(self), (self.problems, self.headline, self.hint, self.footer)

    def render(self) -> str:
        lines = [self.headline]
        for p in self.problems[:MAX_SHOWN]:
            lines.append(f"  - {p}")
        if len(self.problems) > MAX_SHOWN:
            lines.append(f"  … og {len(self.problems) - MAX_SHOWN} fejl mere af samme slags.")
        if self.hint:
            lines.append(self.hint)
        if self.footer:
            lines.append(self.footer)
        return "\n".join(lines)

    def public_message(self) -> str:
        return " ".join(p.message for p in self.problems)


@dataclass
class ProblemList:
    """Collects problems; `raise_if_any` stops the import when there are some."""

    file: str
    position: str = "linje"
    importing: bool = False  # a file being imported: say that nothing was imported
    problems: list[Problem] = field(default_factory=list)

    def add(self, message: str, line: int | None = None, column: str | None = None, value: str | None = None,
            *, code: str) -> None:
        self.problems.append(Problem(self.file, message, line, column, value, self.position, code=code))

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self, hint: str = "") -> None:
        if self.problems:
            if self.importing:
                raise InputError(self.problems, IMPORT_HEADLINE, hint, IMPORT_FOOTER)
            raise InputError(self.problems, hint=hint)
