"""The business day: order numbers reset when the restaurant's day starts, not at midnight."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def business_date(now: datetime, timezone: str, day_starts_at: str) -> str:
    """The ISO date of the service day ``now`` belongs to (1:30 am counts as the day before)."""
    local = now.astimezone(ZoneInfo(timezone))
    hours, minutes = (int(part) for part in day_starts_at.split(":"))
    if local.time() < time(hours, minutes):
        local -= timedelta(days=1)
    return local.date().isoformat()
