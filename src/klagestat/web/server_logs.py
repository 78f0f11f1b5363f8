"""The server's logs as JSON lines, for a log collector: one line per request (access) and one per
event or error, with no personal data.

An access line names the route as written in the code ("/sager/sag/{case_id}"), never the path
asked for (a case id, a filter typed), and the user by number only; no client address, no query,
no body. An error line gives the exception's kind and where it was raised (file, line, function),
never its message or the values in it. Every record also passes the CPR filter (web/masking).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import time
import traceback

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .masking import install_log_filter

access_log = logging.getLogger("klagestat.access")


class JsonLines(logging.Formatter):
    """A record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name, "pid": os.getpid()}
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        else:
            line["message"] = record.getMessage()
        if record.exc_info and record.exc_info[0] is not None:
            kind, _error, trace = record.exc_info
            line["error"] = kind.__name__
            line["where"] = [f"{frame.filename.rsplit('/site-packages/', 1)[-1]}:{frame.lineno} {frame.name}"
                             for frame in traceback.extract_tb(trace)][-8:]
        return json.dumps(line, ensure_ascii=False)


def configure_logging() -> None:
    """The server's logging: JSON lines on standard error, INFO and up, the CPR filter on every
    handler. Run in each web worker process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # uvicorn's own access line has the client's address and the whole path: ours (AccessLog) replaces it.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("saml2").setLevel(logging.CRITICAL)  # its words quote the XML it was given
    install_log_filter()


def route_of(scope: Scope) -> str:
    """The route that answered, as written in the code; "-" when none did (a 404)."""
    route = scope.get("route")
    return getattr(route, "path", None) or ("/static" if scope.get("path", "").startswith("/static/") else "-")


class AccessLog:
    """One JSON line per request: method, route, status, milliseconds, user id (plain ASGI)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def watching_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        finally:
            user = scope.get("state", {}).get("user")
            access_log.info("request", extra={"fields": {
                "event": "request", "method": scope["method"], "route": route_of(scope), "status": status,
                "ms": round((time.perf_counter() - start) * 1000, 1), "user": getattr(user, "id", None),
                "https": scope.get("scheme") == "https"}})
