"""Chunked request bodies held to the same rules as the others: a size limit answered with 413,
and a malformed chunk answered with 400 (not a 500 from deep inside the server's parser).

gunicorn decodes ``Transfer-Encoding: chunked`` lazily, while the view reads the body, so its
parse errors surface in the view; and Werkzeug's cap on an unsized body silently truncates it at
``MAX_CONTENT_LENGTH`` (the JSON parser then says "invalid JSON"). This WSGI wrapper only swaps
the input stream of chunked requests for one that raises the right errors; the answers are
rendered by the app's error handlers like every other error. (What is left of a broken or
oversized body is gunicorn's to discard before the connection's next request: it ignores an
application's ``Connection: close``, and a bad chunk there makes it close the connection.)
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

from edge.api.errors import ApiError

try:  # the parser's errors, when gunicorn serves (tests use Werkzeug's client)
    from gunicorn.http.errors import NoMoreData, ParseException
except ImportError:  # pragma: no cover - gunicorn is a dependency; guard as for any server
    ParseException = NoMoreData = ()  # type: ignore[assignment,misc]


class CheckedChunkedBody:
    """The request's chunked body: raises 400 on bad framing and 413 past the request's limit."""

    def __init__(self, stream):
        self.stream, self.read_so_far = stream, 0

    def read(self, size: int = -1) -> bytes:
        return self._counted(self._read(size))

    def readline(self, size: int = -1) -> bytes:
        return self._counted(self._guarded(self.stream.readline, size))

    def _counted(self, data: bytes) -> bytes:
        self.read_so_far += len(data)
        limit = request.max_content_length
        if limit is not None and self.read_so_far >= limit and self._read(1):
            # Werkzeug stops reading at the limit exactly; one byte more means the body is larger
            raise RequestEntityTooLarge()
        return data

    def _read(self, size: int) -> bytes:
        return self._guarded(self.stream.read, size)

    def _guarded(self, read, size: int) -> bytes:
        try:
            return read(size)
        except (ParseException, NoMoreData) as error:
            raise ApiError(400, "malformed_body", f"the chunked body is malformed: {error}") from None

    def __iter__(self):
        while chunk := self.read(64 * 1024):
            yield chunk


def install(app: Flask) -> None:
    inner = app.wsgi_app

    def checked_bodies(environ: dict, start_response):
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            environ["wsgi.input"] = CheckedChunkedBody(environ["wsgi.input"])
        return inner(environ, start_response)

    app.wsgi_app = checked_bodies
