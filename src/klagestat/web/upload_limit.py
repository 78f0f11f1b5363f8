"""A request body may be no larger than the import limit (`KLAGESTAT_MAX_IMPORT_MB`, the same
limit as `klagestat import cases`), with a little room for the form around the file.

Checked on the Content-Length header before anything is read, and again while the body streams
in (a body sent in chunks has no Content-Length), so an oversized upload never reaches the disk.
A request without a session cookie can only be a login (`accounts.csrf_protect` refuses the rest
before reading them): it may send no more than FORM_ROOM, or SAML_ROOM for what the identity
provider posts (a signed, perhaps encrypted, assertion).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from klagestat.ingest.input_file import max_import_bytes

from .accounts import SESSION_COOKIE
from .pages import message_page

FORM_ROOM = 64 * 1024  # the multipart headers and the form's other fields
SAML_ROOM = 256 * 1024


class _TooLarge(HTTPException):
    """An HTTPException, so that FastAPI's form parsing lets it through instead of answering 400."""

    def __init__(self, limit: int):
        super().__init__(413, _refusal(limit))


def _refusal(limit: int) -> str:
    if not limit:
        return "Forespørgslen er for stor. Filer kan kun sendes, når du er logget ind; log ind, og prøv igen."
    return (f"Filen er for stor: grænsen er {limit // (1024 * 1024) or 1} MB. Del registret i flere filer, eller "
            "bed administratoren hæve grænsen (miljøvariablen KLAGESTAT_MAX_IMPORT_MB).")


class UploadLimit:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        # No file without a session (the session cookie's name is also inside its __Host- name).
        limit = max_import_bytes() if SESSION_COOKIE.encode() in headers.get(b"cookie", b"") else 0
        allowed = limit + (SAML_ROOM if scope["path"].startswith("/saml/") else FORM_ROOM)
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > allowed:
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > allowed:
                    raise _TooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        from starlette.requests import Request

        response = message_page(Request(scope, receive), "Filen er for stor", _refusal(limit), 413)
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
