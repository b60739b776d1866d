"""The front's HTTP/1.1 reading: one strict reading of every request (no smuggling), bodies bounded."""

from __future__ import annotations

import pytest

from edge.serving.http1 import BadRequest, ChunkedBody, parse_head


def head(*lines: str):
    return parse_head("\r\n".join(lines).encode("latin-1"))


def refused(*lines: str) -> int:
    with pytest.raises(BadRequest) as caught:
        head(*lines)
    return caught.value.status


def test_an_ordinary_request_becomes_a_wsgi_environ():
    request = head("POST /api/v1/orders%2Fx?a=1&b=2 HTTP/1.1", "Host: box:3001", "Content-Type: application/json",
                   "Content-Length: 2", "X-Request-ID: r1", "Accept: a", "accept: b")
    environ = request.environ(b"{}", ("127.0.0.1", 3001), ("10.0.0.7", 5123))
    assert (environ["REQUEST_METHOD"], environ["PATH_INFO"], environ["QUERY_STRING"]) == ("POST", "/api/v1/orders/x", "a=1&b=2")
    assert environ["CONTENT_TYPE"] == "application/json" and environ["CONTENT_LENGTH"] == "2"
    assert environ["wsgi.input"].read() == b"{}"
    assert environ["HTTP_ACCEPT"] == "a, b" and environ["HTTP_X_REQUEST_ID"] == "r1"
    assert environ["REMOTE_ADDR"] == "10.0.0.7" and request.keep_alive


def test_a_header_with_an_underscore_is_dropped_so_it_cannot_pose_as_a_dashed_one():
    environ = head("GET / HTTP/1.1", "X_Request_ID: spoofed").environ(b"", ("h", 1), ("c", 2))
    assert "HTTP_X_REQUEST_ID" not in environ


@pytest.mark.parametrize("lines, status", [
    (["GET / HTTP/1.1", "Content-Length: 3", "Transfer-Encoding: chunked"], 400),  # CL.TE smuggling
    (["GET / HTTP/1.1", "Content-Length: 3", "Content-Length: 4"], 400),
    (["GET / HTTP/1.1", "Content-Length: +3"], 400),
    (["GET / HTTP/1.1", "Content-Length: 0x3"], 400),
    (["GET / HTTP/1.1", "Transfer-Encoding: gzip, chunked"], 501),
    (["GET / HTTP/1.1", "Transfer-Encoding: chunked", "Transfer-Encoding: chunked"], 501),
    (["GET / HTTP/1.0", "Transfer-Encoding: chunked"], 400),
    (["GET / HTTP/1.1", "X-A: 1", " folded"], 400),  # obsolete line folding
    (["GET / HTTP/1.1", "Bad Name: 1"], 400),
    (["GET / HTTP/1.1", "X-A: a\x00b"], 400),
    (["GET / HTTP/1.1", "X-A: a\nb"], 400),
    (["GET http://evil.example/ HTTP/1.1"], 400),
    (["GET / HTTP/2.0"], 400),
    (["GET  / HTTP/1.1"], 400),
    (["GET / HTTP/1.1", *[f"X-{n}: 1" for n in range(101)]], 431),
])
def test_ambiguous_or_malformed_heads_are_refused(lines, status):
    assert refused(*lines) == status


def test_connection_close_and_http_1_0_end_the_connection_and_an_upgrade_is_seen():
    assert not head("GET / HTTP/1.1", "Connection: close").keep_alive
    assert not head("GET / HTTP/1.0").keep_alive
    assert head("GET / HTTP/1.0", "Connection: keep-alive").keep_alive
    assert head("GET /ws HTTP/1.1", "Upgrade: websocket", "Connection: keep-alive, Upgrade").websocket
    assert not head("POST /ws HTTP/1.1", "Upgrade: websocket", "Connection: Upgrade").websocket


def feed_chunks(body: ChunkedBody, data: bytes, step: int) -> bytearray:
    buffer = bytearray()
    for at in range(0, len(data), step):
        buffer += data[at:at + step]
        body.feed(buffer)
    return buffer


@pytest.mark.parametrize("step", [1, 3, 1000])
def test_a_chunked_body_is_decoded_however_it_arrives(step):
    body = ChunkedBody(limit=100)
    rest = feed_chunks(body, b"4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nTrailer: x\r\n\r\nGET /next", step)
    assert body.done and bytes(body.body) == b"Wikipedia" and bytes(rest) == b"GET /next"


@pytest.mark.parametrize("data, status", [
    (b"+e\r\n", 400), (b"0xe\r\n", 400), (b"-1\r\n", 400), (b"\r\n", 400), (b"123456789\r\n", 400),
    (b"4\r\nWikiXX", 400),  # data not followed by CRLF
    (b"41\r\n", 413),  # 65 bytes announced, the limit is 64
    (b"20\r\n" + b"a" * 32 + b"\r\n21\r\n", 413),  # the total passes the limit
])
def test_bad_or_too_large_chunked_bodies_are_refused(data, status):
    with pytest.raises(BadRequest) as caught:
        ChunkedBody(limit=64).feed(bytearray(data))
    assert caught.value.status == status
