"""Request and response shapes of the HTTP API that are not domain models themselves."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from edge.domain.menu import Category, MenuItem, Station
from edge.domain.orders import Amendment, OrderStatus, TicketItem
from edge.domain.strict import Strict
from edge.observability.health import Status
from edge.store.events import EventOut


def _iso_only(value: Any) -> Any:
    """Query datetimes are RFC 3339 text, as the OpenAPI document says; pydantic alone would
    also take '123' as a unix time, which the schema calls invalid."""
    if isinstance(value, str) and not re.match(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}", value):
        raise ValueError("expected an RFC 3339 date-time such as 2026-11-28T19:00:00Z")
    return value


IsoDatetime = Annotated[datetime, BeforeValidator(_iso_only)]


class LoginRequest(Strict):
    pin: str = Field(pattern=r"^[0-9]{4,8}$", description="4 to 8 digits")
    user: str | None = Field(None, min_length=1, max_length=40,
                             description="name or id when the tablet lets people pick themselves: "
                                         "the PIN is checked for that user only (and locks only them)")


class UserOut(BaseModel):
    id: str
    name: str
    role: str
    active: bool = True


class LoginResponse(BaseModel):
    token: str
    expires_at: datetime
    user: UserOut
    refresh_token: str | None = None
    refresh_expires_at: datetime | None = None


class UserCreate(Strict):
    name: str = Field(min_length=1, max_length=40)
    role: Literal["admin", "staff", "customer"]
    pin: str = Field(pattern=r"^[0-9]{4,8}$")


class UserList(BaseModel):
    users: list[UserOut]


class MenuOut(BaseModel):
    version: int
    categories: list[Category]
    items: list[MenuItem]


MAX_PRICE_CENTS = 1_000_000  # $10,000: above that, a typo (an extra zero or two), not a price


class MenuItemPatch(Strict):
    """A manager's change. A price is whole cents from 0 to $10,000; anything else (text, a
    fraction of a cent, a negative, an empty or null field) is refused with words a manager can
    read, and the machine code stays in ``details[].type`` and the error's ``code``."""

    # int, not int | None: leaving it out changes nothing, but null is refused (not "no price")
    price_cents: int = Field(None, ge=0, le=MAX_PRICE_CENTS,  # type: ignore[assignment]
                             description="whole cents, 0 to 1000000 ($10,000); "
                                         "leave it out to keep the price",
                             json_schema_extra=lambda schema: schema.pop("default", None))
    available: bool | None = None

    @field_validator("price_cents", mode="before")
    @classmethod
    def _a_real_price(cls, value: Any) -> Any:
        # runs only when the field is sent: leaving it out changes nothing, null is not a price
        if value is None or value == "":
            raise PydanticCustomError("price_missing", "Type a price: an empty price is not $0.")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PydanticCustomError("price_not_a_number",
                                      "A price must be a number of cents, such as 1295 for $12.95.")
        if isinstance(value, float) and not value.is_integer():
            raise PydanticCustomError("price_not_whole_cents", "A price is a whole number of cents.")
        if value < 0:
            raise PydanticCustomError("price_negative", "A price cannot be below $0.")
        if value > MAX_PRICE_CENTS:
            raise PydanticCustomError("price_too_high", "A price cannot be more than $10,000.")
        return int(value)

    @classmethod
    def refusal(cls, error: ValidationError) -> tuple[str, str] | None:
        """(code, message) for the error shape when the problem is the price."""
        for problem in error.errors(include_url=False):
            if problem["type"].startswith("price_"):
                return problem["type"], problem["msg"]
        return None


class StationList(BaseModel):
    stations: list[Station]


class OrdersQuery(Strict):
    status: list[OrderStatus] | OrderStatus | None = None
    station: str | None = Field(None, max_length=32)
    since: IsoDatetime | None = None
    limit: int = Field(100, ge=1, le=500)


class TicketCard(BaseModel):
    id: str
    order_id: str
    number: int
    table: str | None
    customer_name: str | None
    type: str
    source: str
    notes: str | None
    station: str
    status: str
    order_status: str
    fired_at: str | None
    started_at: str | None
    bumped_at: str | None
    fired_seq: int | None = Field(None, description="seq of the event that fired it: the kitchen's order")
    bumped_seq: int | None = Field(None, description="seq of the event that last bumped it")
    created_by: str | None = Field(None, description="the user (or device) that took the order")
    server: str | None = Field(None, description="that user's name, for the card")
    amendment: Amendment | None = Field(None, description='"added": fired by an add-items amendment')
    items: list[TicketItem]


class AllDayCount(BaseModel):
    name: str
    quantity: int


class KdsOut(BaseModel):
    station: str
    tickets: list[TicketCard]
    recently_bumped: list[TicketCard]
    all_day: list[AllDayCount]


class ExpoStation(BaseModel):
    station: str
    ticket_id: str
    status: str


class ExpoItem(BaseModel):
    id: str | None = None
    name: str
    quantity: int
    station: str
    modifiers: list[str] = Field(default_factory=list)
    notes: str | None = None
    done: bool


class ExpoOrder(BaseModel):
    id: str
    number: int
    table: str | None
    customer_name: str | None
    type: str
    status: str
    fired_at: str | None
    source: str | None = None
    notes: str | None = None
    created_by: str | None = None
    server: str | None = None
    stations: list[ExpoStation]
    items: list[ExpoItem]


class ExpoOut(BaseModel):
    orders: list[ExpoOrder]


class EventsQuery(Strict):
    after: int = Field(0, ge=0, le=2**63 - 1, description="a seq (SQLite integers are 64-bit)")
    limit: int = Field(100, ge=1, le=1000)
    station: str | None = Field(None, max_length=32)


class EventList(BaseModel):
    events: list[EventOut]
    last_seq: int


class HealthCheck(BaseModel):
    status: Status
    detail: str


class HealthOut(BaseModel):
    status: Status
    demo: bool
    version: str
    box_id: str
    checks: dict[str, HealthCheck]
