"""Printers, print jobs, previews, receipts and reprints, under /api/v1 (the print service
itself is built and started in edge/services.py)."""

from __future__ import annotations

from flask import Blueprint, Response, g
from pydantic import BaseModel, Field

from devices.printer import jobs
from devices.printer.layout import customer_receipt
from devices.printer.preview import preview_png
from devices.printer.service import PrintService
from devices.printer.status import Online, Paper
from edge.api.errors import ApiError
from edge.api.routing import api_route
from edge.api.current import current_services
from edge.store import queries
from edge.store.orders_repo import order_id_of_ticket

bp = Blueprint("printers", __name__, url_prefix="/api/v1")


class PrinterOut(BaseModel):
    name: str
    backend: str
    stations: list[str]
    receipt: bool
    state: str = Field(description="worker state: starting, idle, printing, backoff, restarting, stopped")
    online: Online
    paper: Paper
    detail: str
    problem: str | None = Field(description="what to tell the kitchen, e.g. 'out of paper'")
    queued: int
    printed: int
    retries: int
    last_error: str | None


class PrinterList(BaseModel):
    printers: list[PrinterOut]


class PrintJobList(BaseModel):
    jobs: list[jobs.PrintJob]


class PrintJobsQuery(BaseModel):
    model_config = {"extra": "forbid"}
    printer: str | None = None
    status: jobs.JobStatus | None = None
    order_id: str | None = None
    limit: int = Field(100, ge=1, le=1000)


class QueuedJobs(BaseModel):
    job_ids: list[str]


def _printing() -> PrintService:
    return current_services().printing


def _job_or_404(job_id: str) -> jobs.PrintJob:
    job = jobs.get_job(_printing().store.read(), job_id)
    if job is None:
        raise ApiError(404, "print_job_not_found", f"print job {job_id} not found")
    return job


def _order_or_404(order_id: str):
    order = queries.get_order(_printing().store.read(), order_id)
    if order is None:
        raise ApiError(404, "order_not_found", f"order {order_id} not found")
    return order


def _png(data: bytes) -> Response:
    return Response(data, mimetype="image/png", headers={"Cache-Control": "no-store"})


@api_route(bp, "/printers", response=PrinterList,
           summary="Each printer: online/offline, paper ok/low/out/unknown, queue length")
def list_printers():
    return {"printers": _printing().snapshot()}


@api_route(bp, "/print-jobs", query=PrintJobsQuery, response=PrintJobList,
           summary="Print jobs, newest first (filters: printer, status, order_id)")
def list_print_jobs(query: PrintJobsQuery):
    found = jobs.list_jobs(_printing().store.read(), printer=query.printer, status=query.status,
                           order_id=query.order_id, limit=query.limit)
    return PrintJobList(jobs=found)


@api_route(bp, "/print-jobs/<job_id>", response=jobs.PrintJob, errors=(404,), summary="One print job")
def get_print_job(job_id: str):
    return _job_or_404(job_id)


@api_route(bp, "/print-jobs/<job_id>/preview", errors=(404,), response_content_type="image/png",
           summary="The job's ticket or receipt as a PNG, exactly as laid out for the printer")
def preview_print_job(job_id: str):
    return _png(preview_png(_printing().document(_job_or_404(job_id))))


@api_route(bp, "/print-jobs/<job_id>/reprint", methods=["POST"], response=QueuedJobs, status=202,
           errors=(404,), summary="Print a job again (marked REPRINT) on the same printer")
def reprint_print_job(job_id: str):
    _job_or_404(job_id)
    return {"job_ids": [_printing().reprint_job(job_id, actor_id=g.actor.id)]}


@api_route(bp, "/tickets/<ticket_id>/reprint", methods=["POST"], response=QueuedJobs, status=202,
           errors=(404, 409), summary="Reprint a kitchen ticket (marked REPRINT) at its station's printers")
def reprint_ticket(ticket_id: str):
    order_id = order_id_of_ticket(_printing().store.read(), ticket_id)
    if order_id is None:
        raise ApiError(404, "ticket_not_found", f"ticket {ticket_id} not found")
    order = _order_or_404(order_id)
    return {"job_ids": _printing().reprint_ticket(order, ticket_id, actor_id=g.actor.id)}


@api_route(bp, "/orders/<order_id>/receipt", methods=["POST"], response=QueuedJobs, status=202,
           errors=(404, 409), summary="Print the customer receipt on the receipt printer")
def print_receipt(order_id: str):
    order = _order_or_404(order_id)
    return {"job_ids": [_printing().request_receipt(order, actor_id=g.actor.id)]}


@api_route(bp, "/orders/<order_id>/receipt/preview", errors=(404,), response_content_type="image/png",
           summary="The customer receipt as a PNG, without printing it")
def preview_receipt(order_id: str):
    service = _printing()
    width = next((p.width for p in service.printers.values() if p.receipt), 42)
    return _png(preview_png(customer_receipt(_order_or_404(order_id), service.receipt_style, width=width)))
