"""The box's own names: what a request's Host and a browser's Origin may name.

A page on ``evil.example`` whose DNS name is re-pointed at the box (DNS rebinding) makes the
browser send ``Host: evil.example`` with a matching ``Origin``; trusting the Host header would let
that page call the API as if it were the box's own. So the box answers only to names it knows
are its own: ``localhost``, its host name and mDNS name (``<hostname>.local``), the host of
``server.public_url`` and ``server.host``, the hosts of ``security.allowed_origins``, the extra
names in ``security.allowed_hosts``, and IP addresses that are assigned to one of its interfaces.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from urllib.parse import urlsplit

ADDRESS_CHECK_TTL_S = 60.0  # a DHCP lease may move the box to another address
ADDRESS_CACHE_MAX = 256


def host_name(host: str) -> str:
    """``Kitchen.Local.:3201`` -> ``kitchen.local``; ``[::1]:80`` -> ``::1``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    if host.count(":") == 1:
        host = host.partition(":")[0]
    return host.rstrip(".")


class BoxNames:
    def __init__(self, settings, *, hostname: str | None = None):
        hostname = (hostname or socket.gethostname()).lower()
        short = hostname.split(".")[0]
        names = {"localhost", hostname, short, f"{short}.local"}
        names.update(host_name(name) for name in settings.security.allowed_hosts)
        urls = [settings.server.public_url, *settings.security.allowed_origins]
        names.update(urlsplit(url).hostname or "" for url in urls if url)
        if settings.server.host not in ("0.0.0.0", "::", ""):
            names.add(host_name(settings.server.host))
        self.names = frozenset(name for name in names if name)
        # avahi renames the box kitchen-2.local when another device on the LAN holds kitchen.local
        self._mdns_renamed = re.compile(rf"{re.escape(short)}-[0-9]{{1,3}}\.local")
        self._addresses: dict[str, tuple[bool, float]] = {}
        self._lock = threading.Lock()

    def allows(self, host: str) -> bool:
        name = host_name(host)
        if name in self.names or self._mdns_renamed.fullmatch(name):
            return True
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            return False
        return self._is_own_address(address)

    def allows_origin(self, origin: str) -> bool:
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and bool(parts.netloc) and self.allows(parts.netloc)

    def _is_own_address(self, address) -> bool:
        if address.is_unspecified or address.is_multicast:
            return False
        key, now = str(address), time.monotonic()
        cached = self._addresses.get(key)
        if cached is not None and now - cached[1] < ADDRESS_CHECK_TTL_S:
            return cached[0]
        own = _assigned_here(address)
        with self._lock:
            if len(self._addresses) >= ADDRESS_CACHE_MAX:
                self._addresses.clear()
            self._addresses[key] = (own, now)
        return own


def _assigned_here(address) -> bool:
    """Binding succeeds only for an address one of the box's interfaces has (or loopback)."""
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((str(address), 0))
        except OSError:
            return False
    return True
