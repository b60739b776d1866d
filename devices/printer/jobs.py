"""Print jobs in SQLite (table ``print_jobs``, migration 0100): a job is queued -> printing -> done.

Every function takes a connection: the writer's inside a transaction, or a reader's. A job left
in ``printing`` (the box died while sending it) is picked up again first and printed as REPRINT.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from edge.domain.ids import uuid7
from edge.domain.orders import Order

JobKind = Literal["ticket", "receipt"]
JobStatus = Literal["queued", "printing", "done", "failed", "cancelled"]
PENDING = ("queued", "printing")


class PrintJob(BaseModel):
    """A row of ``print_jobs``; also the API's shape (the order document is left out of it)."""

    model_config = ConfigDict(frozen=True)

    seq: int
    id: str
    printer: str
    kind: JobKind
    order_id: str
    ticket_id: str | None
    order_doc: str = Field(exclude=True, description="the order as printed (JSON)")
    status: JobStatus
    reprint: bool
    reprint_of: str | None
    attempts: int
    last_error: str | None
    created_at: str
    printed_at: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "PrintJob":
        return cls(**{**dict(row), "reprint": bool(row["reprint"])})

    def order(self) -> Order:
        return Order.model_validate_json(self.order_doc)


def insert_job(conn: sqlite3.Connection, *, printer: str, kind: JobKind, order: Order, now: datetime,
               ticket_id: str | None = None, reprint: bool = False, reprint_of: str | None = None,
               order_doc: str | None = None) -> str:
    job_id = uuid7()
    conn.execute(
        "INSERT INTO print_jobs (id, printer, kind, order_id, ticket_id, order_doc, reprint,"
        " reprint_of, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
        (job_id, printer, kind, order.id, ticket_id, order_doc or order.model_dump_json(),
         int(reprint), reprint_of, now.isoformat(timespec="milliseconds")),
    )
    return job_id


def get_job(conn: sqlite3.Connection, job_id: str) -> PrintJob | None:
    row = conn.execute("SELECT * FROM print_jobs WHERE id = ?", (job_id,)).fetchone()
    return PrintJob.from_row(row) if row else None


def next_jobs(conn: sqlite3.Connection, printer: str, limit: int = 1) -> list[PrintJob]:
    """The printer's oldest unfinished jobs, in the order they were queued."""
    rows = conn.execute(
        "SELECT * FROM print_jobs WHERE printer = ? AND status IN ('queued', 'printing')"
        " ORDER BY seq LIMIT ?", (printer, limit))
    return [PrintJob.from_row(row) for row in rows]


def pending_count(conn: sqlite3.Connection, printer: str) -> int:
    row = conn.execute("SELECT COUNT(*) FROM print_jobs WHERE printer = ? AND status IN"
                       " ('queued', 'printing')", (printer,)).fetchone()
    return row[0]


def list_jobs(conn: sqlite3.Connection, *, printer: str | None = None, status: str | None = None,
              order_id: str | None = None, limit: int = 100) -> list[PrintJob]:
    clauses, params = [], []
    for column, value in (("printer", printer), ("status", status), ("order_id", order_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = conn.execute(f"SELECT * FROM print_jobs {where} ORDER BY seq DESC LIMIT ?", (*params, limit))
    return [PrintJob.from_row(row) for row in rows]


def mark_printing(conn: sqlite3.Connection, job_id: str, *, reprint: bool) -> bool:
    """Claim a job for a print attempt; False if it is no longer due -- it finished, or its order
    was voided (a kitchen ticket), after the worker read it -- so it must not be sent."""
    cursor = conn.execute(
        "UPDATE print_jobs SET status = 'printing', attempts = attempts + 1, reprint = reprint OR ?"
        " WHERE id = ? AND status IN ('queued', 'printing') AND NOT (kind = 'ticket' AND EXISTS"
        " (SELECT 1 FROM orders o WHERE o.id = print_jobs.order_id AND o.status = 'voided'))",
        (int(reprint), job_id))
    return cursor.rowcount == 1


def mark_done(conn: sqlite3.Connection, job_id: str, now: datetime) -> None:
    conn.execute("UPDATE print_jobs SET status = 'done', printed_at = ?, last_error = NULL"
                 " WHERE id = ?", (now.isoformat(timespec="milliseconds"), job_id))


def mark_retry(conn: sqlite3.Connection, job_id: str, error: str, *, bytes_may_have_left: bool) -> None:
    """Back to the queue. If any of it may have reached paper, the next print says REPRINT."""
    conn.execute("UPDATE print_jobs SET status = 'queued', last_error = ?,"
                 " reprint = reprint OR ? WHERE id = ?", (error[:500], int(bytes_may_have_left), job_id))


def cancel_queued_tickets(conn: sqlite3.Connection, order_id: str, reason: str) -> int:
    """Kitchen tickets of a voided order that have not started printing are not printed at all."""
    cursor = conn.execute("UPDATE print_jobs SET status = 'cancelled', last_error = ? WHERE order_id = ?"
                          " AND kind = 'ticket' AND status = 'queued'", (reason, order_id))
    return cursor.rowcount


def voided_ticket_jobs(conn: sqlite3.Connection, job_ids: list[str]) -> list[str]:
    """Which of these kitchen-ticket jobs belong to an order voided since (not to be printed)."""
    marks = ",".join("?" * len(job_ids))
    rows = conn.execute(f"SELECT j.id FROM print_jobs j JOIN orders o ON o.id = j.order_id WHERE j.id IN"
                        f" ({marks}) AND j.kind = 'ticket' AND o.status = 'voided'", job_ids)
    return [row[0] for row in rows]


def mark_cancelled(conn: sqlite3.Connection, job_ids: list[str], reason: str) -> None:
    conn.executemany("UPDATE print_jobs SET status = 'cancelled', last_error = ? WHERE id = ?",
                     [(reason, job_id) for job_id in job_ids])


def prune(conn: sqlite3.Connection, *, keep: int) -> int:
    """Forget finished jobs beyond the newest ``keep`` (by seq, not by the Pi's unreliable clock)."""
    cursor = conn.execute("DELETE FROM print_jobs WHERE status IN ('done', 'cancelled')"
                          " AND seq <= (SELECT MAX(seq) FROM print_jobs) - ?", (keep,))
    return cursor.rowcount


def mark_failed(conn: sqlite3.Connection, job_id: str, error: str) -> None:
    """Only for a job that can never print (its layout cannot be rendered): it must not block."""
    conn.execute("UPDATE print_jobs SET status = 'failed', last_error = ? WHERE id = ?",
                 (error[:500], job_id))
