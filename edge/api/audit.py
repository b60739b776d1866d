"""The audit log, for admins, under /api/v1."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint
from pydantic import BaseModel, Field

from edge.security import audit
from edge.api.routing import api_route
from edge.api.schemas import IsoDatetime
from edge.api.current import current_services
from edge.domain.strict import Strict

bp = Blueprint("audit", __name__, url_prefix="/api/v1")


class AuditQuery(Strict):
    action: str | None = Field(None, max_length=40, description="e.g. 'login', 'order.voided', 'user'")
    since: IsoDatetime | None = None
    before: IsoDatetime | None = None
    limit: int = Field(100, ge=1, le=1000)


class AuditActor(BaseModel):
    kind: str
    id: str
    name: str
    role: str


class AuditEntry(BaseModel):
    id: str
    at: str
    action: str
    actor: AuditActor
    device: str | None
    target: str | None
    details: dict[str, Any]
    event_seq: int | None


class AuditList(BaseModel):
    entries: list[AuditEntry]


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(timespec="milliseconds") if moment.tzinfo else moment.isoformat() + "+00:00"


@api_route(bp, "/audit", query=AuditQuery, response=AuditList, roles=("admin",), errors=(422,),
           summary="Who did what, when, from which device (newest first)")
def list_audit(query: AuditQuery):
    conn = current_services().store.read()
    return AuditList(entries=audit.list_entries(conn, action=query.action, since=_iso(query.since),
                                                before=_iso(query.before), limit=query.limit))
