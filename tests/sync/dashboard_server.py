"""The owner's dashboard served as a static host would serve it, on its own loopback origin (so
every call to the gateway is cross-origin, as with a real Supabase project), with the
Content-Security-Policy that docs/sync.md asks a host to send, and a config.json naming the
gateway, as a deployment writes one."""

from __future__ import annotations

import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PUBLIC = Path(__file__).resolve().parents[2] / "supabase" / "dashboard" / "public"
VENDOR_FILES = ("supabase.js", "uPlot.iife.min.js", "uPlot.min.css")


def content_security_policy(supabase_url: str) -> str:
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' {supabase_url}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def missing_vendor_files() -> list[str]:
    return [name for name in VENDOR_FILES if not (PUBLIC / "vendor" / name).is_file()]


class DashboardServer:
    def __init__(self, supabase_url: str, anon_key: str, *, magic_link: bool = True):
        self.config = json.dumps({"supabaseUrl": supabase_url, "anonKey": anon_key, "magicLink": magic_link}).encode()
        self.csp = content_security_policy(supabase_url)
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def start(self) -> "DashboardServer":
        owner = self

        class Handler(SimpleHTTPRequestHandler):
            def log_message(self, format, *args):  # noqa: A002
                pass

            def end_headers(self):
                self.send_header("Content-Security-Policy", owner.csp)
                self.send_header("X-Content-Type-Options", "nosniff")
                self.send_header("Referrer-Policy", "no-referrer")
                super().end_headers()

            def do_GET(self):  # noqa: N802
                if self.path.split("?")[0] != "/config.json":
                    return super().do_GET()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(owner.config)))
                self.end_headers()
                self.wfile.write(owner.config)
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(PUBLIC)))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
