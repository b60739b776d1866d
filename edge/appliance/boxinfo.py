"""What the status ticket says about this box, read from the settings and the running system."""

from __future__ import annotations

import array
import fcntl
import socket
import struct
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from edge import __version__
from edge.appliance.ticket import BoxStatus
from edge.security.secretfiles import SecretFileError
from edge.settings import Settings, SyncSettings

SIOCGIFADDR = 0x8915  # linux/sockios.h: an interface's IPv4 address


def ipv4_addresses() -> list[str]:
    """The box's IPv4 addresses, loopback left out (Linux: one ioctl per interface)."""
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _, name in socket.if_nameindex():
            request = array.array("B", struct.pack("256s", name.encode()[:15]))
            try:
                fcntl.ioctl(sock.fileno(), SIOCGIFADDR, request)
            except OSError:  # an interface without an IPv4 address (down, or IPv6 only)
                continue
            address = socket.inet_ntoa(request.tobytes()[20:24])
            if not address.startswith("127."):
                found.append(address)
    return found


def sync_summary(sync: SyncSettings) -> str:
    if not sync.supabase_url:
        return "not set up (the box works offline)"
    try:
        has_credential = bool(sync.resolved_box_token())  # the sync worker's own resolver
    except SecretFileError:
        has_credential = False
    host = urlsplit(sync.supabase_url).hostname or sync.supabase_url
    return f"set up ({host})" if has_credential else f"NO CREDENTIAL for {host}"


def tablet_url(settings: Settings, hostname: str) -> str:
    return settings.server.public_url or f"http://{hostname}.local:{settings.server.port}"


def address_urls(url: str, addresses: list[str]) -> list[str]:
    """The same address by IP, for tablets that do not resolve .local names."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return [f"{parts.scheme}://{address}{port}" for address in addresses]


def collect_box_status(settings: Settings, *, admin_pin: str | None = None,
                       notes: tuple[str, ...] = ()) -> BoxStatus:
    hostname = socket.gethostname().split(".")[0]
    addresses = ipv4_addresses()
    url = tablet_url(settings, hostname)
    return BoxStatus(
        restaurant=settings.restaurant.name, box_id=settings.box_id, hostname=hostname, url=url,
        addresses=addresses, address_urls=address_urls(url, addresses), admin_pin=admin_pin,
        sync=sync_summary(settings.sync), version=__version__,
        printed_at=datetime.now(ZoneInfo(settings.restaurant.timezone)), notes=notes)
