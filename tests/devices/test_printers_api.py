"""The printer API on the real app: file-backend and loopback printers, previews, receipts, reprints."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from edge.app import create_app
from edge.appliance.demo import seed_demo
from edge.settings import PrinterSettings, Settings
from tests.support.client import login, order_body
from tests.support.printing import network_printer
from tests.support.waiting import wait_for


@pytest.fixture
def kitchen(tmp_path, monkeypatch, fakes):
    """An app whose grill prints to a file and whose fry station and receipts go to a loopback printer."""
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    front = fakes()
    settings = Settings(data_dir=tmp_path / "data", demo=True, printers=[
        PrinterSettings(name="grill", backend="file", path=str(tmp_path / "grill.bin"),
                        stations=["grill"]),
        network_printer("front", front, ["fry"], receipt=True),
    ])
    app = create_app(settings)
    services = app.extensions["edge"]
    seed_demo(services.store, services.secret)
    client = app.test_client()
    yield app, client, login(client, "1111"), front, tmp_path / "grill.bin"
    services.close()


def test_fired_order_prints_to_the_file_backend_and_the_network_printer(kitchen):
    app, client, staff, front, grill_file = kitchen
    response = client.post("/api/v1/orders", headers=staff,
                           json=order_body(("cheeseburger", 1, ["medium"]), ("onion-rings", 2), table="4"))
    assert response.status_code == 201
    number = response.get_json()["number"]
    assert wait_for(lambda: grill_file.exists() and b"\x1dV\x00" in grill_file.read_bytes())
    data = grill_file.read_bytes()
    assert b"GRILL\n" in data and f"#{number}\n".encode() in data and b"Cheeseburger" in data
    assert b"+ Medium" in data and b"\x10\x04" not in data  # no status queries written into a file
    assert front.wait_for(lambda f: f.printed_numbers() == [number])
    assert b"2 x Onion Rings" in front.printouts()[0].data


def test_printers_endpoint_and_health_show_status(kitchen):
    app, client, staff, front, _ = kitchen
    front.paper = "low"
    client.post("/api/v1/orders", headers=staff, json=order_body(("onion-rings", 1)))
    assert front.wait_for(lambda f: len(f.printouts()) == 1)

    def printers_now():
        return {p["name"]: p for p in client.get("/api/v1/printers", headers=staff).get_json()["printers"]}

    assert wait_for(lambda: printers_now()["front"]["printed"] == 1)  # confirmed, then marked done
    printers = printers_now()
    assert printers["front"]["online"] == "online" and printers["front"]["paper"] == "low"
    assert printers["front"]["problem"] == "paper low" and printers["front"]["receipt"] is True
    assert printers["grill"]["paper"] == "unknown"  # a file cannot say
    health = client.get("/health").get_json()
    assert health["checks"]["printers"]["status"] == "degraded"
    assert "front: paper low" in health["checks"]["printers"]["detail"]
    events = client.get("/api/v1/events?after=0", headers=staff).get_json()["events"]
    assert any(e["type"] == "printer.status" and e["data"]["paper"] == "low" for e in events)
    metrics = client.get("/api/v1/metrics", headers=staff).get_data(as_text=True)
    assert 'print_jobs_printed_total{printer="front"} 1.0' in metrics
    assert 'print_jobs_queued{printer="grill"} 0.0' in metrics and 'printer_up{printer="front"} 1.0' in metrics


def test_preview_is_a_png_of_the_ticket(kitchen):
    app, client, staff, _, _ = kitchen
    order = client.post("/api/v1/orders", headers=staff, json=order_body(("onion-rings", 1))).get_json()
    job = client.get(f"/api/v1/print-jobs?order_id={order['id']}", headers=staff).get_json()["jobs"][0]
    response = client.get(f"/api/v1/print-jobs/{job['id']}/preview", headers=staff)
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert image.width >= 576 and image.height > 300
    assert client.get("/api/v1/print-jobs/nope/preview", headers=staff).status_code == 404
    receipt = client.get(f"/api/v1/orders/{order['id']}/receipt/preview", headers=staff)
    assert receipt.status_code == 200 and receipt.mimetype == "image/png"
    assert Image.open(io.BytesIO(receipt.data)).height > image.height  # a receipt is longer


@pytest.mark.parametrize("fields", [
    {"table": "a\nb"}, {"notes": "ring\r\nthe bell"}, {"notes": "x\x1dy"}, {"customer_name": "\u202eAna\x1bp"},
], ids=["newline in table", "CRLF in notes", "GS in notes", "bidi and ESC in name"])
def test_previews_of_orders_with_typed_controls_are_pictures_not_500s(kitchen, fields):
    app, client, staff, _, _ = kitchen
    order = client.post("/api/v1/orders", headers=staff, json=order_body(("onion-rings", 1), **fields))
    assert order.status_code == 201, order.get_json()
    order_id = order.get_json()["id"]
    job = client.get(f"/api/v1/print-jobs?order_id={order_id}", headers=staff).get_json()["jobs"][0]
    for url in (f"/api/v1/print-jobs/{job['id']}/preview", f"/api/v1/orders/{order_id}/receipt/preview"):
        response = client.get(url, headers=staff)
        assert response.status_code == 200 and response.mimetype == "image/png", url


def test_receipt_and_reprints(kitchen):
    app, client, staff, front, grill_file = kitchen
    order = client.post("/api/v1/orders", headers=staff,
                        json=order_body(("hamburger", 1, ["rare"]), ("onion-rings", 1))).get_json()
    assert front.wait_for(lambda f: len(f.printouts()) == 1)
    response = client.post(f"/api/v1/orders/{order['id']}/receipt", headers=staff)
    assert response.status_code == 202
    assert front.wait_for(lambda f: len(f.printouts()) == 2)
    receipt = front.printouts()[1].data
    assert b"TOTAL" in receipt and b"\x1d(k" in receipt  # GS ( k: the QR code of the order id
    fry_ticket = next(t for t in order["tickets"] if t["station"] == "fry")
    response = client.post(f"/api/v1/tickets/{fry_ticket['id']}/reprint", headers=staff)
    assert response.status_code == 202 and len(response.get_json()["job_ids"]) == 1
    assert front.wait_for(lambda f: len(f.printouts()) == 3)
    assert front.printouts()[2].reprint and front.printouts()[2].numbers == [order["number"]]
    first_job = client.get(f"/api/v1/print-jobs?order_id={order['id']}&printer=grill",
                           headers=staff).get_json()["jobs"][-1]
    response = client.post(f"/api/v1/print-jobs/{first_job['id']}/reprint", headers=staff)
    assert response.status_code == 202
    assert wait_for(lambda: grill_file.read_bytes().count(b"REPRINT") == 1)
    events = client.get("/api/v1/events?after=0", headers=staff).get_json()["events"]
    requested = [e for e in events if e["type"] == "printer.job_requested"]
    assert [e["data"]["kind"] for e in requested] == ["receipt", "ticket", "ticket"]


def test_bad_requests_get_clear_errors(kitchen):
    app, client, staff, _, _ = kitchen
    assert client.get("/api/v1/printers").status_code == 401
    response = client.post("/api/v1/tickets/missing/reprint", headers=staff)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "ticket_not_found"
    response = client.post("/api/v1/orders/missing/receipt", headers=staff)
    assert response.status_code == 404
    response = client.get("/api/v1/print-jobs?status=lost", headers=staff)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "invalid_query"
    order = client.post("/api/v1/orders", headers=staff, json=order_body(("cola", 1))).get_json()
    response = client.post(f"/api/v1/tickets/{order['tickets'][0]['id']}/reprint", headers=staff)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "no_printer_for_station"
