"""Cloud sync for the Manage page: status, dead letters, retry. Under /api/v1/sync."""

from __future__ import annotations

from typing import Annotated, get_type_hints

from flask import Blueprint
from pydantic import BaseModel, Field, create_model

from edge.api.routing import api_route
from edge.api.current import current_services
from edge.domain.strict import Strict
from sync import state
from sync.status import SyncStatus, health

bp = Blueprint("sync", __name__, url_prefix="/api/v1/sync")


# The report of sync.status.SyncStatus (defined there once), after the health check's verdict:
# the order the Manage page and scripts have always received.
SyncStatusOut = create_model(
    "SyncStatusOut", health=(str, ...), detail=(str, ...),
    **{name: (kind, ...) for name, kind in get_type_hints(SyncStatus).items()})


class DeadLetterOut(BaseModel):
    seq: int
    event_id: str
    type: str
    reason: str
    first_failed_at: str
    last_failed_at: str
    attempts: int
    retry_requested: bool


class DeadLetterList(BaseModel):
    dead_letters: list[DeadLetterOut]


class RetryIn(Strict):
    seqs: list[Annotated[int, Field(ge=0, le=2**63 - 1)]] | None = Field(  # SQLite ints are 64-bit
        None, max_length=500, description="only these events (default: all)")


class RetryOut(BaseModel):
    marked: int



@api_route(bp, "/status", response=SyncStatusOut, summary="Cloud sync: backlog, last push/pull, problems")
def sync_status_view():
    status = current_services().sync_status()
    level, detail = health(status)
    return SyncStatusOut(health=level, detail=detail, **status)


@api_route(bp, "/dead-letters", response=DeadLetterList, summary="Events the cloud refused, with reasons")
def dead_letters_view():
    return DeadLetterList(dead_letters=state.dead_letters(current_services().store))


@api_route(bp, "/retry", methods=["POST"], body=RetryIn, response=RetryOut, roles=("admin",),
           errors=(400, 415, 422), summary="Send dead letters again and lift a credential stop")
def retry_view(body: RetryIn):
    services = current_services()
    marked = services.store.write(lambda tx: state.request_retry(tx, body.seqs))
    if services.sync_worker is not None:
        services.sync_worker.retry_now()
        services.sync_worker.wake()
    return RetryOut(marked=marked)
