"""The durable print queue against python-escpos' real Network backend and loopback printers."""

from __future__ import annotations

import time

import pytest

from devices.printer import jobs
from edge.settings import PrinterSettings
from tests.support.printing import network_printer, place_order
from tests.support.waiting import wait_for


def job_rows(store, **filters):
    return jobs.list_jobs(store.read(), limit=10_000, **filters)


def events_of(store, type_):
    return [e for e in store.events_after(0, limit=10_000) if e.type == type_]


def test_firing_an_order_queues_one_ticket_per_station_printer_in_the_same_transaction(store, fakes, print_service):
    grill, fry = fakes(), fakes()
    print_service([network_printer("grill", grill, ["grill"]),
                   network_printer("hot-line", fry, ["fry", "grill"])])
    order = place_order(store, "cheeseburger", "fries", "cola")
    rows = job_rows(store, order_id=order.id)
    # grill ticket -> both printers, fry ticket -> hot-line, bar ticket -> nobody
    by_printer = sorted((j.printer, order.ticket(j.ticket_id).station) for j in rows)
    assert by_printer == [("grill", "grill"), ("hot-line", "fry"), ("hot-line", "grill")]


def test_a_rolled_back_fire_leaves_no_print_job(store, fakes, print_service):
    print_service([network_printer("grill", fakes(), ["grill"])])
    order = place_order(store, "cheeseburger", fire=False)

    def fire_then_fail(tx):
        tx.append_event("order.fired", {"order": order.model_dump(mode="json")},
                        stations=["grill"], order_id=order.id)
        raise RuntimeError("something later in the transaction failed")

    with pytest.raises(RuntimeError):
        store.write(fire_then_fail)
    assert job_rows(store) == []


def test_a_fired_order_prints_at_the_station_printer_with_emphasis_and_cut(store, fakes, print_service):
    grill = fakes()
    print_service([network_printer("grill", grill, ["grill"])])
    order = place_order(store, "cheeseburger", table="7")
    assert grill.wait_for(lambda f: len(f.printouts()) == 1, timeout=10)
    assert grill.wait_for(lambda f: len(f.printed()) == 1, timeout=10)  # the connection ended
    assert bytes(grill.printed()[0].data).startswith(b"\x10\x04\x01\x10\x04\x04")  # status first
    data = grill.printouts()[0].data
    assert b"\x1b@" in data                               # ESC @ initialise
    assert b"\x1bE\x01" in data                           # ESC E 1: emphasis on
    assert b"\x1b!0GRILL\n" in data or b"GRILL\n" in data
    assert f"#{order.number}\n".encode() in data
    assert b"Table 7" in data
    assert data.endswith(b"\x1bd\x06\x1dV\x00")  # feed 6 lines, GS V 0: full cut
    assert grill.printouts()[0].reprint is False
    assert _wait_status(store, order.tickets[0].id, "done")


def test_a_job_whose_connection_drops_mid_send_is_printed_again_marked_reprint(store, fakes, print_service):
    grill = fakes()
    grill.drop_after_bytes = 120  # the power goes during the first ticket
    print_service([network_printer("grill", grill, ["grill"])])
    order = place_order(store, "cheeseburger")
    assert grill.wait_for(lambda f: len(f.printouts()) == 1, timeout=10)
    reprinted = grill.printouts()[0]
    assert reprinted.reprint and reprinted.numbers == [order.number]
    job = job_rows(store, order_id=order.id)[0]
    assert _wait_status(store, order.tickets[0].id, "done")
    assert jobs.get_job(store.read(), job.id).reprint is True
    assert jobs.get_job(store.read(), job.id).attempts == 2


def test_a_printer_down_for_a_while_prints_every_queued_ticket_in_order_when_back(store, fakes, print_service):
    grill = fakes()
    grill.stop()
    service = print_service([network_printer("grill", grill, ["grill"])])
    numbers = [place_order(store, "hamburger").number for _ in range(8)]
    assert wait_for(lambda: service.workers["grill"].status.online == "offline")  # its attempts were refused
    grill.start()
    assert grill.wait_for(lambda f: len(f.printouts()) == 8, timeout=15)
    assert grill.printed_numbers() == numbers
    assert not any(piece.reprint for piece in grill.printouts())  # nothing left before the outage
    statuses = [(e.data["online"], e.data["paper"]) for e in events_of(store, "printer.status")]
    assert ("offline", "unknown") in statuses and statuses[-1] == ("online", "ok")


def status_polls(printer) -> int:
    return sum(1 for job in printer.jobs if job.complete and job.status_only)


def test_paper_out_holds_the_tickets_and_tells_the_kitchen(store, fakes, print_service):
    grill = fakes(paper="out")
    print_service([network_printer("grill", grill, ["grill"])])
    first = place_order(store, "hamburger")
    assert wait_for(lambda: any(e.data["paper"] == "out" for e in events_of(store, "printer.status")))
    event = [e for e in events_of(store, "printer.status") if e.data["paper"] == "out"][0]
    assert event.stations == ["grill"] and event.data["problem"] == "out of paper"
    polls = status_polls(grill)
    second = place_order(store, "hamburger")
    # two more status polls: the worker has looked at the second ticket, and held it back
    assert grill.wait_for(lambda f: status_polls(f) >= polls + 2)
    assert grill.printed() == []  # nothing sent to a printer with no paper
    grill.paper = "ok"
    assert grill.wait_for(lambda f: len(f.printouts()) == 2, timeout=10)
    assert grill.printed_numbers() == [first.number, second.number]


def test_a_printer_that_never_answers_status_still_prints_and_is_online_with_paper_unknown(
        store, fakes, print_service):
    grill = fakes(answers_status=False)
    service = print_service([network_printer("grill", grill, ["grill"])])
    place_order(store, "hamburger")
    place_order(store, "hamburger")
    assert grill.wait_for(lambda f: len(f.printouts()) == 2, timeout=10)
    status = service.workers["grill"].status
    assert (status.online, status.paper) == ("online", "unknown")


def test_a_dead_printer_blocks_neither_order_taking_nor_the_other_printers(store, fakes, print_service):
    grill, fry = fakes(), fakes()
    grill.stop()
    print_service([network_printer("grill", grill, ["grill"]), network_printer("fry", fry, ["fry"])])
    started = time.monotonic()
    orders = [place_order(store, "hamburger", "onion-rings") for _ in range(5)]
    assert time.monotonic() - started < 2.0
    assert fry.wait_for(lambda f: len(f.printouts()) == 5, timeout=10)
    assert fry.printed_numbers() == [o.number for o in orders]
    assert jobs.pending_count(store.read(), "grill") == 5  # all waiting (one may be mid-attempt)


def test_a_job_left_printing_by_a_crash_is_printed_again_as_reprint(store, fakes, print_service):
    grill = fakes()
    order = place_order(store, "hamburger")  # no service yet: nothing queued
    job_id = store.write(lambda tx: jobs.insert_job(tx.conn, printer="grill", kind="ticket", order=order,
                                                    now=tx.now, ticket_id=order.tickets[0].id))
    store.write(lambda tx: jobs.mark_printing(tx.conn, job_id, reprint=False))  # then the box died
    print_service([network_printer("grill", grill, ["grill"])])
    assert grill.wait_for(lambda f: len(f.printouts()) == 1, timeout=10)
    assert grill.printouts()[0].reprint



def test_a_ticket_of_a_voided_order_cannot_be_claimed_even_if_left_printing(store):
    """A void cancels queued tickets only; one left 'printing' by a crash is refused by the claim."""
    from edge.store import commands
    from tests.support.printing import SERVER

    order = place_order(store, "hamburger")
    job_id = store.write(lambda tx: jobs.insert_job(tx.conn, printer="grill", kind="ticket", order=order,
                                                    now=tx.now, ticket_id=order.tickets[0].id))
    assert store.write(lambda tx: jobs.mark_printing(tx.conn, job_id, reprint=False))  # then the box died
    commands.void_order(store, order.id, "customer left", SERVER)
    assert not store.write(lambda tx: jobs.mark_printing(tx.conn, job_id, reprint=True))
    assert jobs.get_job(store.read(), job_id).attempts == 1


def _wait_status(store, ticket_id: str, status: str) -> bool:
    return wait_for(lambda: all(j.status == status for j in jobs.list_jobs(store.read())
                                 if j.ticket_id == ticket_id))


def test_a_job_that_cannot_be_rendered_is_failed_and_does_not_block_the_next(store, fakes, print_service):
    grill = fakes()
    first = place_order(store, "hamburger")  # fired before the service exists: no job of its own
    store.write(lambda tx: jobs.insert_job(tx.conn, printer="grill", kind="ticket", order=first,
                                           now=tx.now, ticket_id="no-such-ticket"))
    print_service([network_printer("grill", grill, ["grill"])])
    second = place_order(store, "hamburger")
    assert grill.wait_for(lambda f: f.printed_numbers() == [second.number])
    failed = job_rows(store, status="failed")
    assert len(failed) == 1 and failed[0].last_error.startswith("cannot render")


def test_a_worker_that_hits_an_unexpected_error_restarts_itself(store, fakes, print_service, monkeypatch):
    grill = fakes()
    real_mark_printing = jobs.mark_printing
    failures = []

    def flaky_mark_printing(conn, job_id, *, reprint):
        if not failures:
            failures.append(job_id)
            raise RuntimeError("disk hiccup")
        return real_mark_printing(conn, job_id, reprint=reprint)

    monkeypatch.setattr(jobs, "mark_printing", flaky_mark_printing)
    service = print_service([network_printer("grill", grill, ["grill"])])
    order = place_order(store, "hamburger")
    assert wait_for(lambda: failures)
    assert grill.wait_for(lambda f: f.printed_numbers() == [order.number])
    assert service.workers["grill"].alive


def test_paper_running_out_during_a_ticket_prints_it_again_marked_reprint(store, fakes, print_service):
    grill = fakes()
    grill.paper_runs_out_after = 1
    print_service([network_printer("grill", grill, ["grill"])])
    order = place_order(store, "hamburger")
    assert grill.wait_for(lambda f: f.paper == "out" and len(f.printouts()) == 1)
    assert wait_for(lambda: job_rows(store)[0].status == "queued" and job_rows(store)[0].reprint)
    grill.paper = "ok"  # a new roll
    assert grill.wait_for(lambda f: len(f.printouts()) == 2)
    assert [p.reprint for p in grill.printouts()] == [False, True]
    assert grill.printed_numbers() == [order.number, order.number]


def test_tickets_of_an_order_voided_before_they_printed_are_cancelled(store, fakes, print_service):
    from edge.store import commands
    from tests.support.printing import SERVER

    grill = fakes()
    grill.stop()
    print_service([network_printer("grill", grill, ["grill"])])
    voided = place_order(store, "hamburger")
    kept = place_order(store, "hamburger")
    commands.void_order(store, voided.id, "customer left", SERVER)
    # at once if it was waiting, or at the next attempt if the worker was mid-attempt
    assert wait_for(lambda: [j.status for j in job_rows(store, order_id=voided.id)] == ["cancelled"])
    grill.start()
    assert grill.wait_for(lambda f: f.printed_numbers() == [kept.number]), (
        f"printed {grill.printed_numbers()} (kept #{kept.number}, voided #{voided.number}); "
        f"jobs {[(j.order_id == kept.id, j.status, j.attempts, j.last_error) for j in job_rows(store)]}")
    assert wait_for(lambda: {j.status for j in job_rows(store)} == {"done", "cancelled"})
    assert grill.printed_numbers() == [kept.number]  # and nothing is left that could print


def test_a_void_landing_between_the_workers_check_and_its_claim_is_not_printed(store, fakes, print_service,
                                                                              monkeypatch):
    """The worker reads its batch, checks for voids, then claims the jobs in a write: a void
    committed in between cancels the job, and the claim must then leave it alone."""
    from edge.store import commands
    from tests.support.printing import SERVER

    grill = fakes()
    real_check = jobs.voided_ticket_jobs
    voided = []

    def check_then_void(conn, job_ids):
        found = real_check(conn, job_ids)
        if not voided:
            order_id = jobs.get_job(conn, job_ids[0]).order_id
            voided.append(commands.void_order(store, order_id, "customer left", SERVER))
        return found

    monkeypatch.setattr(jobs, "voided_ticket_jobs", check_then_void)
    print_service([network_printer("grill", grill, ["grill"])])
    order = place_order(store, "hamburger")
    assert wait_for(lambda: [j.status for j in job_rows(store, order_id=order.id)] == ["cancelled"])
    assert voided and voided[0].id == order.id
    assert [j.attempts for j in job_rows(store, order_id=order.id)] == [0]
    # The queue prints in order: once a later ticket is on paper, the voided one would be too.
    later = place_order(store, "hamburger")
    assert grill.wait_for(lambda f: f.printed_numbers() == [later.number])
    assert [(j.status, j.attempts) for j in job_rows(store, order_id=order.id)] == [("cancelled", 0)]


def test_a_hung_printer_times_out_without_holding_up_orders_or_other_printers(store, fakes, print_service):
    import socket

    hung = socket.socket()  # listens but never accepts: once its queue is full, connects hang
    hung.bind(("127.0.0.1", 0))
    hung.listen(0)
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(hung.getsockname())
        fillers.append(filler)
    fry = fakes()
    try:
        service = print_service([
            PrinterSettings(name="grill", backend="network", host="127.0.0.1", port=hung.getsockname()[1],
                            stations=["grill"], timeout_s=1.0),
            network_printer("fry", fry, ["fry"]),
        ])
        started = time.monotonic()
        orders = [place_order(store, "hamburger", "onion-rings") for _ in range(3)]
        assert time.monotonic() - started < 1.0  # order taking never waits on a printer
        assert fry.wait_for(lambda f: f.printed_numbers() == [o.number for o in orders], timeout=5)
        assert wait_for(lambda: service.workers["grill"].status.online == "offline", timeout=5)
        assert jobs.pending_count(store.read(), "grill") == 3  # waiting (one may be mid-attempt)
    finally:
        for sock in [hung, *fillers]:
            sock.close()


def test_pruning_forgets_old_finished_jobs_only(store):
    order = place_order(store, "hamburger")

    def make_jobs(tx):
        ids = [jobs.insert_job(tx.conn, printer="grill", kind="ticket", order=order, now=tx.now,
                               ticket_id=order.tickets[0].id) for _ in range(6)]
        for job_id in ids[:4]:
            jobs.mark_done(tx.conn, job_id, tx.now)
        return ids

    ids = store.write(make_jobs)  # 4 done, then 2 still queued
    assert store.write(lambda tx: jobs.prune(tx.conn, keep=3)) == 3
    assert [j.id for j in jobs.list_jobs(store.read())][::-1] == [ids[3], ids[4], ids[5]]


def test_items_added_after_send_print_one_added_ticket_at_their_station_only(store, fakes, print_service):
    import uuid

    from edge.domain.actors import SYSTEM
    from edge.domain.amendments import AddItemsRequest
    from edge.domain.orders import OrderItemRequest
    from edge.store import commands

    grill, bar = fakes(), fakes()
    print_service([network_printer("grill", grill, ["grill"]), network_printer("bar", bar, ["bar"])])
    order = place_order(store, "cheeseburger", "cola")
    assert bar.wait_for(lambda f: len(f.printouts()) == 1, timeout=10)
    request = AddItemsRequest(amendment_id=uuid.uuid4(), items=[
        OrderItemRequest(menu_item_id="cola", modifier_ids=["no-ice"])])
    amended, created = commands.add_items(store, order.id, request, SYSTEM)
    assert created and not commands.add_items(store, order.id, request, SYSTEM)[1]  # a resend: no new ticket
    [added] = [t for t in amended.tickets if t.amendment == "added"]
    assert sorted(j.ticket_id for j in job_rows(store, printer="bar")) == sorted([order.tickets[1].id, added.id])
    assert bar.wait_for(lambda f: len(f.printouts()) == 2, timeout=10)
    assert b"ADDED" in bar.printouts()[1].data and b"ADDED" not in bar.printouts()[0].data
    assert len(job_rows(store, printer="grill")) == 1  # nothing new for the grill
