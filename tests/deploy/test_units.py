"""systemd units, udev rules, avahi and journald files: verified by systemd itself where it can
run, and read for the properties the box relies on."""

from __future__ import annotations

import re
import shutil
import stat
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from tests.deploy.conftest import PI_IMAGE, run
from tests.support.requirements import require_file, require_tool, unavailable_here

UNITS_DIR = PI_IMAGE / "rootfs" / "etc" / "systemd" / "system"
UNITS = sorted(UNITS_DIR.glob("*.service")) + sorted(UNITS_DIR.glob("*.socket"))
HOST_UNITS = Path("/usr/lib/systemd/system")


def unit_entries(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) for every line; repeated keys (DeviceAllow=) are all kept."""
    entries, section = [], ""
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.append((section, key.strip(), value.strip()))
    return entries


def values(path: Path, key: str) -> list[str]:
    return [value for _, k, value in unit_entries(path) if k == key]


@pytest.fixture(scope="module")
def verify_root(tmp_path_factory) -> Path:
    """A root where `systemd-analyze verify --root` finds the stock targets and our ExecStart."""
    require_tool("systemd-analyze", package="systemd")
    require_file(HOST_UNITS, package="systemd")
    root = tmp_path_factory.mktemp("verify")
    shutil.copytree(HOST_UNITS, root / "usr/lib/systemd/system", symlinks=True)
    shutil.copytree(UNITS_DIR, root / "etc/systemd/system")
    executable = root / "opt/edge/releases/0.0.0/bin/edge"
    executable.parent.mkdir(parents=True)
    executable.write_text("#!/bin/sh\n")
    executable.chmod(0o755)
    (root / "opt/edge/current").symlink_to("releases/0.0.0")
    known_good = root / "etc/systemd/system/known-good.service"
    known_good.write_text("[Service]\nExecStart=/opt/edge/current/bin/edge\n")
    preflight = run("systemd-analyze", "verify", f"--root={root}", known_good, check=False, timeout=60)
    known_good.unlink()
    if preflight.returncode != 0 or preflight.stderr.strip():
        unavailable_here(f"systemd-analyze cannot verify in this container: {preflight.stderr.strip()[:300]}")
    return root


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_systemd_analyze_verify(unit, verify_root):
    result = run("systemd-analyze", "verify", f"--root={verify_root}",
                 verify_root / "etc/systemd/system" / unit.name, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    # Unknown keys and bad values are only warnings for systemd: fail on any word from it.
    assert result.stderr.strip() == "", result.stderr


def test_verify_catches_a_bad_unit(verify_root):
    """The check above can fail: a typo'd key and a missing program are reported."""
    bad = verify_root / "etc/systemd/system/bad.service"
    bad.write_text("[Service]\nExecStart=/opt/edge/nothere\nWatchdogSecs=3\n")
    try:
        result = run("systemd-analyze", "verify", f"--root={verify_root}", bad, check=False, timeout=60)
    finally:
        bad.unlink()
    assert "WatchdogSecs" in result.stderr and "nothere" in result.stderr


def test_the_server_unit_is_notify_with_a_watchdog_and_sandboxed():
    unit = UNITS_DIR / "edge.service"
    expected = {"Type": "notify", "NotifyAccess": "all", "Restart": "always", "User": "edge",
                "ProtectSystem": "strict", "ReadWritePaths": "/var/lib/edge", "NoNewPrivileges": "yes",
                "PrivateTmp": "yes", "DevicePolicy": "closed"}
    for key, value in expected.items():
        assert values(unit, key) == [value], key
    assert int(values(unit, "WatchdogSec")[0]) >= 10
    allowed = {entry.split()[0] for entry in values(unit, "DeviceAllow")}
    assert allowed == {"char-usb_device", "char-usb", "char-ttyUSB", "char-ttyACM", "char-gpiochip",
                       "char-input", "char-alsa"}
    assert values(unit, "ExecStart") == ["/opt/edge/current/bin/edge serve"]
    assert "LG_WD=/run/edge" in values(unit, "Environment") and values(unit, "RuntimeDirectory") == ["edge"]
    assert values(unit, "CapabilityBoundingSet") == [""]
    # the front holds up to server.max_connections sockets (4096 by default) plus its own files
    assert int(values(unit, "LimitNOFILE")[0].split(":")[0]) >= 4096 + 256


# Device classes registered only when their driver loads (the rest are built into the Pi kernel).
CLASS_DRIVERS = {"char-ttyUSB": "usbserial", "char-ttyACM": "cdc_acm", "char-alsa": "snd"}


@pytest.mark.parametrize("name", ["edge.service", "edge-firstboot.service"])
def test_drivers_load_before_device_classes_are_resolved(name):
    unit = UNITS_DIR / name
    allowed = {entry.split()[0] for entry in values(unit, "DeviceAllow")}
    wants = " ".join(values(unit, "Wants"))
    after = " ".join(values(unit, "After"))
    for device_class, driver in CLASS_DRIVERS.items():
        if device_class in allowed:
            assert f"modprobe@{driver}.service" in wants and f"modprobe@{driver}.service" in after


def test_the_socket_brings_port_80_and_3001():
    socket_unit = UNITS_DIR / "edge.socket"
    assert values(socket_unit, "ListenStream") == ["80", "3001"]
    assert "edge.socket" in values(UNITS_DIR / "edge.service", "Requires")[0]


def test_first_boot_runs_once_before_the_server():
    unit = UNITS_DIR / "edge-firstboot.service"
    assert values(unit, "ConditionPathExists") == ["!/var/lib/edge/firstboot.done"]
    assert values(unit, "Before") == ["edge.service"]
    assert values(unit, "Type") == ["oneshot"]
    assert values(unit, "ExecStart") == ["/opt/edge/current/bin/edge firstboot"]


def test_journald_limits_suit_an_sd_card():
    conf = PI_IMAGE / "rootfs/etc/systemd/journald.conf.d/60-edge.conf"
    size = values(conf, "SystemMaxUse")[0]
    assert re.fullmatch(r"\d+M", size) and int(size[:-1]) <= 128
    assert values(conf, "Storage") == ["persistent"]
    assert values(conf, "Compress") == ["yes"]


UDEV_LINE = re.compile(r'^(\s*[A-Z_]+(\{[A-Za-z_]+\})?\s*(==|!=|=|\+=)\s*"[^"]*"\s*,?)+$')


def test_udev_rules_parse_and_give_printers_to_lp():
    rules = (PI_IMAGE / "rootfs/etc/udev/rules.d/60-edge.rules").read_text().splitlines()
    active = [line for line in rules if line.strip() and not line.startswith("#")]
    for line in active:
        assert UDEV_LINE.match(line), line
    printers = [line for line in active if 'GROUP="lp"' in line]
    assert any("0701" in line for line in printers), "the USB printer class"
    assert any('ATTR{idVendor}=="04b8"' in line for line in printers), "Epson"
    assert any('GROUP="input"' in line for line in active)
    assert any('GROUP="dialout"' in line for line in active)


def test_avahi_advertises_the_web_app():
    tree = ElementTree.parse(PI_IMAGE / "rootfs/etc/avahi/services/edge.service")
    services = {(s.findtext("type"), s.findtext("port")) for s in tree.getroot().iter("service")}
    assert ("_http._tcp", "80") in services
    assert ("_restaurant-edge._tcp", "3001") in services


def test_rootfs_files_are_not_executable():
    for path in (PI_IMAGE / "rootfs").rglob("*"):
        if path.is_file():
            assert not path.stat().st_mode & stat.S_IXUSR, path
