"""Rendering a page: the Jinja2 templates, with autoescaping, and what every page is given.

Every page goes through `page()`, so every page gets the same escaping, language, header and
security headers; a route only chooses the template and its data.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from klagestat.domain.text import ascii_text
from klagestat.render import numbers
from klagestat.render.register_import import column_list

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

# Autoescape everything: a `<script>` typed into a case description is shown as text.
environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.globals["numbers"] = numbers
environment.globals["column_list"] = column_list


def _pager(query_params, page_number: int) -> str:
    """The page's query string with another page number (`side`)."""
    params = [(k, v) for k, v in query_params.multi_items() if k != "side"] + [("side", str(page_number))]
    return urlencode(params)


environment.filters["pager"] = _pager


def page(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    """The page `template` with `context`, plus the request, the logged-in user (if any) and the
    CSRF token for its forms."""
    context.setdefault("user", getattr(request.state, "user", None))
    context.setdefault("csrf_token", getattr(request.state, "csrf_token", ""))
    html = environment.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status_code)


def message_page(request: Request, title: str, message: str, status_code: int) -> HTMLResponse:
    """A page that only says something: no data, not found, refused."""
    return page(request, "message.html", status_code=status_code, title=title, message=message)


# The files the pages offer, by ending.
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "toml": "application/toml; charset=utf-8",
}


def _download_headers(name: str) -> dict[str, str]:
    """The Danish name for browsers that read it (RFC 6266), an ASCII one for the rest."""
    ascii_name = ascii_text(name)
    return {"Content-Disposition": f'attachment; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(name)}'}


def _media_type(name: str) -> str:
    return MEDIA_TYPES[name.rsplit(".", 1)[-1]]


def download(content: bytes, name: str) -> Response:
    """A file to save, its type from its ending."""
    return Response(content, media_type=_media_type(name), headers=_download_headers(name))


def download_stream(pieces: Iterable[bytes], name: str) -> Response:
    """A file to save, sent as its pieces are made (run in the threadpool when they are read
    from the database)."""
    return StreamingResponse(pieces, media_type=_media_type(name), headers=_download_headers(name))


def download_file(path: Path, name: str, remove: Callable[[], None]) -> Response:
    """A file on disk to save. `remove` deletes it as soon as it is open: the open file keeps its
    content until it has been sent, and nothing is left on disk whatever happens to the sending
    (a browser that goes away half-way, a server that is stopped)."""
    handle = path.open("rb")
    try:
        size = os.fstat(handle.fileno()).st_size
    finally:
        remove()

    def pieces() -> Iterator[bytes]:
        with handle:
            while chunk := handle.read(1 << 20):
                yield chunk

    return StreamingResponse(pieces(), media_type=_media_type(name),
                             headers={**_download_headers(name), "Content-Length": str(size)})
