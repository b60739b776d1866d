"""Chunked request bodies on the real server (gunicorn decodes them): bad framing is a 400, a
body over the limit a 413, both in the error shape."""

from __future__ import annotations

import json
import socket

import pytest

from tests.support.edge_process import EdgeServer
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e
LOGIN = b'{"pin":"1111"}'  # 14 bytes: chunk size e


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    box = EdgeServer(tmp_path_factory.mktemp("chunked") / "box").start()
    yield box
    box.kill()


def post_chunked(server, framed_body: bytes, path: str = "/api/v1/auth/login") -> tuple[int, dict, dict]:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                     "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
                     + framed_body)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.partition(b"\r\n\r\n")[2]) < _length(answer):
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, json.loads(body or b"{}")


def _length(answer: bytes) -> int:
    for line in answer.partition(b"\r\n\r\n")[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0


def chunks(body: bytes, size: int = 1000) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size])
                    for i in range(0, len(body), size)) + b"0\r\n\r\n"


def test_a_well_formed_chunked_login_works(server):
    status, _, body = post_chunked(server, chunks(LOGIN, 5))
    assert status == 200 and body["user"]["name"]


@pytest.mark.parametrize("size_line", [b"+e", b"0xe", b"-e", b"e e", b"zz"])
def test_a_malformed_chunk_size_is_a_400_not_a_500(server, size_line):
    status, _, body = post_chunked(server, size_line + b"\r\n" + LOGIN + b"\r\n0\r\n\r\n")
    assert status == 400, body
    assert body["error"]["code"] == "malformed_body"


def test_a_chunk_without_its_terminator_is_a_400(server):
    status, _, body = post_chunked(server, b"e\r\n" + LOGIN + b"XX0\r\n\r\n")
    assert status == 400 and body["error"]["code"] == "malformed_body"


@pytest.mark.parametrize("chunk_size", [1000, 70_000])
def test_a_chunked_body_over_64_kib_is_a_413(server, chunk_size):
    big = b'{"pin":"' + b"1" * 70_000 + b'"}'
    status, _, body = post_chunked(server, chunks(big, chunk_size))
    assert status == 413, body
    assert body["error"]["code"] == "body_too_large"


def test_a_chunked_body_of_exactly_the_limit_is_read_whole(server):
    exact = b'{"pin":"1111","x":"' + b"a" * (64 * 1024 - 22) + b'"}'
    assert len(exact) == 64 * 1024 - 1
    status, _, body = post_chunked(server, chunks(exact, 4096))
    assert status == 422 and body["error"]["code"] == "validation_failed"  # read whole: no "invalid JSON"
    assert server.process.poll() is None and "Traceback" not in server.log()


def test_only_the_voice_route_takes_bodies_over_the_limit(server):
    """The server reads a request whole before the app sees it, so the limit is per route: a
    100 KB recording reaches the recogniser; 100 KB of JSON anywhere else is refused at the door."""
    import io
    import wave

    import requests

    headers = server.login("1111")
    # the recogniser starts beside the box; on a busy machine it may still be loading (a 503)
    wait_until(lambda: requests.get(f"{server.url}/health", timeout=5).json()["checks"]["voice"]["detail"]
               .split(" ")[1:3] == ["model", "loaded"], 60, "the recogniser to be ready")
    recording = io.BytesIO()
    with wave.open(recording, "wb") as wav:
        wav.setnchannels(1), wav.setsampwidth(2), wav.setframerate(16000)
        wav.writeframes(b"\0\0" * 50_000)  # 3 s of silence, 100 KB
    assert len(recording.getvalue()) > 64 * 1024
    heard = requests.post(f"{server.url}/api/v1/voice/transcriptions", data=recording.getvalue(),
                          headers={**headers, "Content-Type": "audio/wav"}, timeout=60)
    assert heard.status_code == 200, heard.text  # silence: a rejection, but read and recognised
    assert heard.json()["rejected"] is not None
    big = requests.post(f"{server.url}/api/v1/orders", data=b'{"x":"' + b"a" * 100_000 + b'"}',
                        headers={**headers, "Content-Type": "application/json"}, timeout=10)
    assert big.status_code == 413
    assert big.json()["error"] == {"code": "body_too_large", "message": "the body is larger than the limit of "
                                   "65536 bytes", "details": [{"limit_bytes": 65536}]}
