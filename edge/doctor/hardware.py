"""Doctor checks for what is plugged in: printers, GPIO, the microphone and the voice model.

Native libraries are imported inside the checks, so the doctor runs on any machine and reports
a missing library as a finding with the command that installs it."""

from __future__ import annotations

import os
import socket
import tempfile
import warnings
from pathlib import Path

from edge.doctor.findings import Finding, fail, ok, skip
from edge.settings import PrinterSettings, Settings

SYS_USB_DEVICES = Path("/sys/bus/usb/devices")
CONNECT_TIMEOUT_S = 2.0


def check_printers(settings: Settings) -> list[Finding]:
    if not settings.printers:
        return [skip("printers", "none configured; tickets are not printed")]
    return [check_printer(printer) for printer in settings.printers]


def check_printer(printer: PrinterSettings) -> Finding:
    name = f"printer {printer.name}"
    if printer.backend == "network":
        try:
            with socket.create_connection((printer.host, printer.port),
                                          timeout=min(printer.timeout_s, CONNECT_TIMEOUT_S)):
                return ok(name, f"{printer.host}:{printer.port} answers")
        except OSError as error:
            return fail(name, f"{printer.host}:{printer.port} does not answer ({error})",
                        "switch the printer on, check its cable and its IP address (hold FEED at "
                        "power-on to print its settings)")
    if printer.backend == "usb":
        if usb_device_present(printer.vendor_id, printer.product_id):
            return ok(name, f"USB {printer.vendor_id:04x}:{printer.product_id:04x} present")
        return fail(name, f"USB {_hex(printer.vendor_id)}:{_hex(printer.product_id)} not found",
                    "plug the printer in and switch it on; `lsusb` lists vendor:product ids")
    if printer.backend == "serial":
        device = Path(printer.device or "")
        if device.exists() and os.access(device, os.R_OK | os.W_OK):
            return ok(name, f"{device} present")
        return fail(name, f"{device} missing or not writable",
                    "plug in the serial adapter; the edge user must be in the dialout group")
    if printer.backend == "file":
        target = Path(printer.path or "")
        writable = os.access(target if target.exists() else target.parent, os.W_OK)
        return ok(name, f"writes to {target}") if writable else fail(
            name, f"{target} is not writable", f"check the path and its owner: {target}")
    return ok(name, "dummy printer (keeps tickets in memory)")


def usb_device_present(vendor_id: int | None, product_id: int | None) -> bool:
    """Look in sysfs (no libusb needed): /sys/bus/usb/devices/*/idVendor and idProduct."""
    if vendor_id is None:
        return False
    for device in SYS_USB_DEVICES.glob("*"):
        try:
            vendor = int((device / "idVendor").read_text(), 16)
            product = int((device / "idProduct").read_text(), 16)
        except (OSError, ValueError):
            continue
        if vendor == vendor_id and (product_id is None or product == product_id):
            return True
    return False


def check_gpio(settings: Settings) -> Finding:
    wired = len(settings.buttons) + len(settings.alerts)
    # lgpio makes notification pipes in $LG_WD, else the working directory, which may be read-only
    os.environ.setdefault("LG_WD", tempfile.gettempdir())
    try:
        from gpiozero import Device

        with warnings.catch_warnings():  # gpiozero warns for each factory it falls back from
            warnings.simplefilter("ignore")
            factory = Device._default_pin_factory()  # what a Button loads; honours GPIOZERO_PIN_FACTORY
        factory_name = type(factory).__name__
        factory.close()
    except Exception as error:
        if not wired:
            return skip("gpio", f"no buttons or alerts configured (no pin factory: {error})")
        return fail("gpio", f"no GPIO pin factory loads: {error}",
                    "on a Pi: pip install lgpio (the [pi] extra); in development: GPIOZERO_PIN_FACTORY=mock")
    return ok("gpio", f"{factory_name} loaded; {wired} button(s)/alert(s) configured")


def check_microphone(settings: Settings) -> Finding:
    if settings.voice.model_path is None:
        return skip("microphone", "voice ordering is off (voice.model_path not set)")
    try:
        import sounddevice
    except (ImportError, OSError) as error:
        return fail("microphone", f"sounddevice unavailable: {error}",
                    "sudo apt install libportaudio2; pip install sounddevice (the [voice] extra)")
    try:
        inputs = [d["name"] for d in sounddevice.query_devices() if d["max_input_channels"] > 0]
    except Exception as error:
        return fail("microphone", f"cannot list audio devices: {error}", "the edge user must be in the audio group")
    wanted = settings.voice.device
    matching = [name for name in inputs if not wanted or wanted.lower() in name.lower()]
    if matching:
        return ok("microphone", matching[0])
    return fail("microphone", f"no input device{f' matching {wanted!r}' if wanted else ''}",
                "plug in a USB microphone; `arecord -l` lists them; check voice.device")


def check_voice_model(settings: Settings) -> Finding:
    path = settings.voice.model_path
    if path is None:
        return skip("voice model", "voice ordering is off")
    if not path.is_dir():
        return fail("voice model", f"{path} does not exist",
                    "reinstall the image's model or set voice.model_path to an unpacked vosk model")
    if not (path / "conf").is_dir() or not any((path / part).exists() for part in ("am", "final.mdl")):
        return fail("voice model", f"{path} is not a vosk model (no conf/ and am/)",
                    "unpack the vosk model zip there again")
    return ok("voice model", str(path))


def _hex(value: int | None) -> str:
    return f"{value:04x}" if value is not None else "????"
