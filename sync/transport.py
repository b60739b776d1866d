"""Supabase transport: one PostgREST RPC call per batch, every failure sorted by kind.

The worker decides what to do from the kind alone: retry later (no connection, timeouts, 5xx,
429, PostgREST's PGRST000-003, serialization failures, a captive portal's HTML page), halve
the batch (413), or stop and report (401/403: the credential is wrong or revoked).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # requests (~5 MiB) is imported when a box is set up to sync, not on every box
    import requests

RETRYABLE = {"offline", "timeout", "server", "rate_limited", "captive_portal", "bad_response", "client_error"}


class SyncError(Exception):
    def __init__(self, kind: str, message: str, *, status: int | None = None, code: str | None = None,
                 retry_after_s: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.code = code
        self.retry_after_s = retry_after_s

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE

    def __str__(self) -> str:
        where = f" (HTTP {self.status}{', ' + self.code if self.code else ''})" if self.status else ""
        return f"{self.kind}: {self.message}{where}"


@dataclass
class PushResult:
    cursor: int
    accepted: int
    duplicates: int
    rejected: list[dict] = field(default_factory=list)
    menu_version: int | None = None


class Transport:
    def __init__(self, url: str, anon_key: str, token: str, *, timeout_s: float = 10.0,
                 connect_timeout_s: float = 3.05, session: requests.Session | None = None):
        self.url = url.rstrip("/")
        import requests

        self.timeout = (connect_timeout_s, timeout_s)
        self.session = session or requests.Session()
        self.session.headers.update({
            "apikey": anon_key, "Authorization": f"Bearer {token}",
            "Content-Type": "application/json", "Accept": "application/json",
        })
        self.last_server_date: datetime | None = None

    def push(self, box_id: str, encoded_events: list[bytes]) -> PushResult:
        body = b'{"box_id":' + json.dumps(box_id).encode() + b',"events":[' + b",".join(encoded_events) + b"]}"
        payload = self.rpc("sync_push", body)
        if not isinstance(payload, dict) or not isinstance(payload.get("cursor"), int):
            raise SyncError("bad_response", f"sync_push answered without a cursor: {str(payload)[:200]}")
        return PushResult(cursor=payload["cursor"], accepted=payload.get("accepted", 0),
                          duplicates=payload.get("duplicates", 0), rejected=payload.get("rejected") or [],
                          menu_version=payload.get("menu_version"))

    def pull_menu(self, since_version: int) -> dict | None:
        payload = self.rpc("sync_pull_menu", json.dumps({"since_version": since_version}).encode())
        if payload is not None and not isinstance(payload, dict):
            raise SyncError("bad_response", "sync_pull_menu answered with something that is not a menu")
        return payload

    def rpc(self, function: str, body: bytes):
        import requests  # already loaded by __init__: a dictionary look-up

        try:
            response = self.session.post(f"{self.url}/rest/v1/rpc/{function}", data=body, timeout=self.timeout,
                                         allow_redirects=False)
        except requests.Timeout as error:
            raise SyncError("timeout", f"no answer in time: {error.__class__.__name__}") from None
        except requests.ConnectionError as error:
            raise SyncError("offline", f"cannot reach the cloud: {_short(error)}") from None
        self._note_server_date(response)
        if response.status_code == 200:
            return _json_body(response)
        raise _error_for(response)

    def _note_server_date(self, response: requests.Response) -> None:
        try:
            self.last_server_date = parsedate_to_datetime(response.headers["Date"])
        except (KeyError, TypeError, ValueError):
            pass


def _json_body(response: requests.Response):
    content_type = response.headers.get("Content-Type", "")
    if "json" not in content_type:
        kind = "captive_portal" if "html" in content_type or response.text.lstrip()[:1] == "<" else "bad_response"
        raise SyncError(kind, f"expected JSON, got {content_type or 'no content type'} "
                              "(a captive portal or proxy is answering instead of the cloud)", status=200)
    try:
        return response.json()
    except ValueError:
        raise SyncError("bad_response", "the cloud's answer is not valid JSON", status=200) from None


def _error_for(response: requests.Response) -> SyncError:
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    code, message = body.get("code"), body.get("message") or response.reason or "error"
    if 300 <= status < 400:  # the cloud never redirects an RPC; a hotel or café login page does
        return SyncError("captive_portal", f"redirected to {response.headers.get('Location', '?')} "
                                           "(a captive portal?)", status=status)
    if status in (401, 403):
        return SyncError("credentials", message, status=status, code=code)
    if status == 413:
        return SyncError("too_large", message, status=status, code=code)
    if status == 429:
        return SyncError("rate_limited", message, status=status, code=code,
                         retry_after_s=_retry_after(response.headers.get("Retry-After")))
    if status >= 500:
        return SyncError("server", message, status=status, code=code,
                         retry_after_s=_retry_after(response.headers.get("Retry-After")))
    return SyncError("client_error", message, status=status, code=code)


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _short(error: Exception) -> str:
    """The root cause in a few words (requests wraps it in urllib3's retry errors)."""
    seen, cause = set(), error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror.lower()
        inner = getattr(cause, "reason", None)
        cause = inner if isinstance(inner, BaseException) else (cause.__cause__ or cause.__context__)
    text = str(error)
    return text if len(text) < 200 else text[:200] + "..."
