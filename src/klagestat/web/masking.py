"""CPR numbers never get past the door: a request's path and query string, and every log line.

A citizen's CPR number typed into a filter (`/sager?area=…`), pasted into an address or sent as a
login is masked (`domain.cpr.mask_cpr`) before any route, log, audit line or error page sees it:
`MaskCprInRequests` rewrites the request's path and query string in place, so the server's own
access log, which reads the same request, gets the masked text too. `CprLogFilter` masks every
log record as well, for whatever else may log a value (an exception's message, a library).
Form fields are masked where a route reads them (login, learning notes, users, uploads).
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, quote, unquote_plus, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send

from klagestat.domain.cpr import contains_cpr, mask_cpr


class MaskCprInRequests:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"")
            if query and contains_cpr(unquote_plus(query.decode("latin-1"))):
                pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="utf-8",
                                  errors="replace")
                scope["query_string"] = urlencode([(mask_cpr(k), mask_cpr(v)) for k, v in pairs]).encode("ascii")
            if contains_cpr(scope["path"]):
                scope["path"] = mask_cpr(scope["path"])
                scope["raw_path"] = quote(scope["path"]).encode("ascii")
        await self.app(scope, receive, send)


class CprLogFilter(logging.Filter):
    """Masks a record's message and arguments (it never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logged as it is
            return True
        if contains_cpr(message):
            record.msg, record.args = mask_cpr(message), None
        if record.exc_info and record.exc_info[1] is not None and contains_cpr(str(record.exc_info[1])):
            # The traceback repeats the exception's message: keep the type, not the text.
            kind = type(record.exc_info[1]).__name__
            record.msg = f"{record.msg} ({kind}: {mask_cpr(str(record.exc_info[1]))})"
            record.exc_info = None
            record.exc_text = None
        return True


def install_log_filter(names: tuple[str, ...] = ("", "uvicorn", "uvicorn.access", "uvicorn.error", "klagestat",
                                                 "sqlalchemy")) -> None:
    """On the named loggers and on every handler they have: a filter on a logger is not applied to
    records that propagate from its children, a filter on a handler is."""
    log_filter = CprLogFilter()
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, CprLogFilter) for f in logger.filters):
            logger.addFilter(log_filter)
        for handler in logger.handlers:
            if not any(isinstance(f, CprLogFilter) for f in handler.filters):
                handler.addFilter(log_filter)
