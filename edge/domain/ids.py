"""UUIDv7 ids made on the box (RFC 9562): time-ordered, so they index well and sort by creation."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def uuid7(now_ms: int | None = None) -> str:
    """A UUIDv7 string. Within one millisecond a 12-bit counter keeps ids from one box monotonic."""
    global _last_ms, _counter
    random_bits = int.from_bytes(os.urandom(10), "big")  # outside the lock: a syscall drops the GIL
    with _lock:
        ms = int(time.time() * 1000) if now_ms is None else now_ms
        if ms <= _last_ms:
            ms = _last_ms
            _counter = (_counter + 1) & 0xFFF
            if _counter == 0:  # counter wrapped: borrow the next millisecond to stay monotonic
                ms += 1
        else:
            _counter = (random_bits >> 64) & 0x7FF
        _last_ms = ms
        rand_b = random_bits & ((1 << 62) - 1)
        value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | _counter << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))
