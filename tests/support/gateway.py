"""A PostgREST-compatible test gateway: a real HTTP server on loopback in front of a real Postgres.

It does for the box what Supabase's API gateway and PostgREST do: checks the `apikey`, verifies
the box's JWT (HS256), and runs the RPC in one transaction after setting the role and
`request.jwt.claims` with set_config(..., true) as PostgREST does; Postgres errors become
PostgREST's HTTP statuses and `{code, message, details, hint}` bodies.

For the owner's dashboard it also serves what a browser calls: table and view reads with the
PostgREST filters the dashboard uses (postgrest_reads.py), Supabase Auth's endpoints (gotrue.py:
password logins, refresh, magic links) and CORS, as Supabase answers a page hosted elsewhere.

Faults are injected on demand (`gateway.fail_next(kind, times)`) to play the world between the
box and the cloud: 5xx, 429, stalls, captive portals, 413, and responses lost after the commit.
Connection refused is the gateway stopped (`stop()`, then `start()` on the same port).
"""

from __future__ import annotations

import json
import queue
import re
import socket
import sys
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import psycopg
from psycopg.types.json import Jsonb

from .gotrue import Auth
from .postgrest_reads import QueryError, read_sql

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
CAPTIVE_PORTAL = b"<html><head><title>Hotel Wi-Fi</title></head><body>Please log in</body></html>"

# PostgREST's table from SQLSTATE to HTTP status (docs.postgrest.org, "Errors").
_STATUS_BY_PREFIX = [("08", 503), ("09", 500), ("0L", 403), ("0P", 403), ("25006", 405), ("25", 500),
                     ("28", 403), ("2D", 500), ("38", 500), ("39", 500), ("3B", 500), ("40", 500),
                     ("53400", 500), ("53", 503), ("54", 500), ("55", 500), ("57", 500), ("58", 500),
                     ("F0", 500), ("HV", 500), ("P0001", 400), ("P0", 500), ("XX", 500),
                     ("23503", 409), ("23505", 409), ("42883", 404), ("42P01", 404)]


def http_status_for(sqlstate: str, *, anonymous: bool) -> int:
    if sqlstate.startswith("PT") and sqlstate[2:].isdigit():
        return int(sqlstate[2:])
    if sqlstate == "42501":
        return 401 if anonymous else 403
    for prefix, status in _STATUS_BY_PREFIX:
        if sqlstate.startswith(prefix):
            return status
    return 400


@dataclass
class Fault:
    kind: str  # status | stall | captive_portal | lost_after_commit | reset | pass (answered normally)
    status: int = 503
    body: dict | None = None
    headers: dict = field(default_factory=dict)
    stall_s: float = 30.0


class ConnectionPool:
    def __init__(self, dsn: str, size: int = 8):
        self.dsn = dsn
        self._idle: queue.LifoQueue = queue.LifoQueue()
        self._size = size

    def get(self) -> psycopg.Connection:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return psycopg.connect(self.dsn)

    def put(self, conn: psycopg.Connection) -> None:
        if conn.closed or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE \
                or self._idle.qsize() >= self._size:
            conn.close()
        else:
            self._idle.put(conn)

    def close(self) -> None:
        while not self._idle.empty():
            self._idle.get_nowait().close()


class Gateway:
    def __init__(self, dsn: str, *, jwt_secret: str, anon_key: str, max_body_bytes: int = 4 * 1024 * 1024):
        self.pool = ConnectionPool(dsn)
        self.jwt_secret = jwt_secret
        self.anon_key = anon_key
        self.auth = Auth(jwt_secret)
        self.max_body_bytes = max_body_bytes
        self.port = 0
        self.statuses: Counter = Counter()
        self.calls: Counter = Counter()
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._open: set[socket.socket] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Gateway":
        gateway = self

        class Handler(_Handler):
            owner = gateway

        self._released.clear()
        server = _QuietServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="test-gateway", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: the box now meets 'connection refused'. Stalled requests are released."""
        self._released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:  # kept-alive connections go too, as when the uplink drops
            for sock in self._open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._open.clear()

    def close(self) -> None:
        self.stop()
        self.pool.close()

    def fail_next(self, kind: str, times: int = 1, **options) -> None:
        with self._lock:
            self._faults.extend(Fault(kind, **options) for _ in range(times))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    def take_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A box that died mid-request (a power cut) leaves a broken pipe or a reset: the world,
        not a gateway bug. Anything else is printed as usual."""
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    owner: Gateway
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
        pass

    def setup(self):
        super().setup()
        with self.owner._lock:
            self.owner._open.add(self.connection)

    def finish(self):
        super().finish()
        with self.owner._lock:
            self.owner._open.discard(self.connection)

    def do_OPTIONS(self):  # noqa: N802 - a browser's CORS preflight, answered as Supabase does
        self.owner.statuses[200] += 1
        self.send_response(200)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", self.headers.get("Access-Control-Request-Headers", "*"))
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):  # noqa: N802
        path, _, query = self.path.partition("?")
        if path.startswith("/auth/v1/"):
            return self._auth("GET", path, query, b"")
        match = re.fullmatch(r"/rest/v1/([a-z_][a-z0-9_]*)", path)
        if match is None:
            return self._json(404, _error("PGRST125", f"invalid path {path}"))
        self.owner.calls[f"GET {match.group(1)}"] += 1
        self._json(*self._read(match.group(1), query))

    def _read(self, relation: str, query: str) -> tuple[int, object]:
        role, claims = self._claims()
        if role is None:
            return 401, claims
        try:
            sql, values = read_sql(relation, query)
        except QueryError as error:
            return 400, _error("PGRST100", str(error))
        conn = self.owner.pool.get()
        try:
            with conn.transaction():
                conn.execute("set transaction read only")
                conn.execute("select set_config('role', %s, true), set_config('request.jwt.claims', %s, true), "
                             "set_config('request.method', 'GET', true)", (role, json.dumps(claims)))
                return 200, conn.execute(sql, values).fetchone()[0]
        except psycopg.errors.UndefinedTable:
            return 404, _error("PGRST205", f"Could not find the table 'public.{relation}' in the schema cache")
        except psycopg.Error as error:
            return self._postgres_error(error, anonymous=role == "anon")
        finally:
            self.owner.pool.put(conn)

    def _auth(self, method: str, path: str, query: str, body: bytes) -> None:
        if path != "/auth/v1/verify" and self.headers.get("apikey") != self.owner.anon_key:
            return self._json(401, {"message": "Invalid API key"})
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return self._json(400, {"code": 400, "error_code": "bad_json", "msg": "Could not parse request body as JSON"})
        bearer = self.headers.get("Authorization", "").removeprefix("Bearer ").strip() or None
        self.owner.calls[f"auth {path.removeprefix('/auth/v1')}"] += 1
        status, answer, headers = self.owner.auth.handle(method, path.removeprefix("/auth/v1"), query,
                                                         payload if isinstance(payload, dict) else {}, bearer)
        if answer is None:
            self.owner.statuses[status] += 1
            self.send_response(status)
            for name, value in {"Access-Control-Allow-Origin": "*", "Content-Length": "0", **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            return None
        return self._json(status, answer, headers)

    def do_POST(self):  # noqa: N802
        if self.path.startswith("/auth/v1/"):
            path, _, query = self.path.partition("?")
            return self._auth("POST", path, query, self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        match = re.fullmatch(r"/rest/v1/rpc/([a-z_][a-z0-9_]*)", self.path.split("?")[0])
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)  # read even a refused body, as a proxy does (lingering close)
        if length > self.owner.max_body_bytes:
            self.close_connection = True
            return self._json(413, _error("PGRST413", "Payload Too Large"), {"Connection": "close"})
        if match is None:
            return self._json(404, _error("PGRST125", f"invalid path {self.path}"))
        fault = self.owner.take_fault()
        if fault is not None and self._play_before(fault):
            return
        self.owner.calls[match.group(1)] += 1
        status, payload = self._rpc(match.group(1), body)
        if fault is not None and fault.kind == "lost_after_commit":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._json(status, payload)

    def _play_before(self, fault: Fault) -> bool:
        """Play a fault that happens before the database is reached; True if the request is done."""
        if fault.kind == "status":
            self._json(fault.status, fault.body or _error("PGRST000", "injected failure"), fault.headers)
        elif fault.kind == "stall":
            self.owner._released.wait(fault.stall_s)
            self.close_connection = True
        elif fault.kind == "captive_portal":
            self._send(200, CAPTIVE_PORTAL, "text/html; charset=utf-8")
        elif fault.kind == "reset":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        else:
            return False
        return True

    def _claims(self) -> tuple[str, dict] | tuple[None, dict]:
        """(role, claims), or (None, error body) when the credential is refused."""
        if self.headers.get("apikey") != self.owner.anon_key:
            return None, {"message": "Invalid API key",
                          "hint": "Double check your Supabase `anon` or `service_role` API key."}
        authorization = self.headers.get("Authorization", "")
        if not authorization:
            return "anon", {"role": "anon"}
        token = authorization.removeprefix("Bearer ").strip()
        if token == self.owner.anon_key:  # a page not logged in sends the publishable key itself
            return "anon", {"role": "anon"}
        try:
            claims = jwt.decode(token, self.owner.jwt_secret, algorithms=["HS256"], options={"verify_aud": False})
        except jwt.ExpiredSignatureError:
            return None, _error("PGRST303", "JWT expired")
        except jwt.InvalidTokenError as error:
            return None, _error("PGRST301", f"JWT could not be decoded: {error}")
        return str(claims.get("role", "anon")), claims

    def _rpc(self, function: str, body: bytes) -> tuple[int, object]:
        role, claims = self._claims()
        if role is None:
            return 401, claims
        try:
            args = json.loads(body or b"{}")
        except ValueError:
            return 400, _error("PGRST102", "Empty or invalid json")
        if not isinstance(args, dict) or not all(IDENTIFIER.match(k) for k in args):
            return 400, _error("PGRST102", "arguments must be a JSON object of named parameters")
        named = ", ".join(f"{name} => %s" for name in args)
        values = [Jsonb(v) if isinstance(v, (dict, list)) else v for v in args.values()]
        conn = self.owner.pool.get()
        try:
            with conn.transaction():
                conn.execute("select set_config('role', %s, true), set_config('request.jwt.claims', %s, true), "
                             "set_config('request.method', 'POST', true)", (role, json.dumps(claims)))
                row = conn.execute(f"select public.{function}({named})", values).fetchone()
            return 200, row[0]
        except psycopg.Error as error:
            return self._postgres_error(error, anonymous=role == "anon")
        finally:
            self.owner.pool.put(conn)

    def _postgres_error(self, error: psycopg.Error, *, anonymous: bool) -> tuple[int, dict]:
        sqlstate = error.sqlstate or "XX000"
        diag = error.diag
        if sqlstate == "42883":
            return 404, _error("PGRST202", "Could not find the function in the schema cache")
        code = sqlstate
        return http_status_for(sqlstate, anonymous=anonymous), {
            "code": code, "message": diag.message_primary or str(error),
            "details": diag.message_detail, "hint": diag.message_hint}

    def _json(self, status: int, payload: object, headers: dict | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json; charset=utf-8", headers)

    def _send(self, status: int, data: bytes, content_type: str, headers: dict | None = None) -> None:
        self.owner.statuses[status] += 1
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Access-Control-Allow-Origin", "*")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _error(code: str, message: str) -> dict:
    return {"code": code, "message": message, "details": None, "hint": None}
