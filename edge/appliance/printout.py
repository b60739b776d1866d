"""Put the status ticket on paper: python-escpos, onto the configured receipt printer's backend.

The print queue (devices.printer) owns kitchen tickets; this module only needs one printer, once,
at first boot or when someone asks, so it opens the backend directly and closes it after.
"""

from __future__ import annotations

from escpos.escpos import Escpos

from edge.appliance.ticket import BoxStatus, status_ticket_lines
from edge.settings import PrinterSettings, Settings


def receipt_printer(settings: Settings) -> PrinterSettings | None:
    """The printer marked ``receipt = true``, else the first configured one, else none."""
    marked = [printer for printer in settings.printers if printer.receipt]
    return (marked or list(settings.printers) or [None])[0]


def open_escpos(printer: PrinterSettings) -> Escpos:
    """A python-escpos printer for the configured backend (nothing is sent until the first byte)."""
    from escpos import printer as backends

    common = {"profile": printer.profile}
    if printer.backend == "network":
        return backends.Network(printer.host, port=printer.port, timeout=printer.timeout_s, **common)
    if printer.backend == "usb":
        return backends.Usb(printer.vendor_id, printer.product_id, timeout=int(printer.timeout_s * 1000),
                            **common)
    if printer.backend == "serial":
        return backends.Serial(printer.device, baudrate=printer.baudrate, **common)
    if printer.backend == "file":
        return backends.File(printer.path, **common)
    return backends.Dummy(**common)


def render_status_ticket(device: Escpos, status: BoxStatus, width: int) -> None:
    """Write the ticket onto any python-escpos printer: heading big, the URL as a QR code too."""
    heading, restaurant, *body = status_ticket_lines(status, width)
    device.set(align="center", bold=True, double_height=True, double_width=False)
    device.text(heading.strip() + "\n")
    device.set(align="center", bold=False, normal_textsize=True)
    device.text(restaurant.strip() + "\n")
    device.set(align="left", normal_textsize=True)
    for line in body:
        device.text(line + "\n")
    device.set(align="center")
    device.qr(status.url, size=6, native=True)  # the printer draws it: no image path
    device.cut()


def print_status_ticket(printer: PrinterSettings, status: BoxStatus) -> Escpos:
    device = open_escpos(printer)
    try:
        if hasattr(device, "open") and printer.backend != "dummy":
            device.open()
        render_status_ticket(device, status, printer.width)
    finally:
        if printer.backend != "dummy":
            device.close()
    return device
