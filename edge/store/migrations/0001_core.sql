-- Core schema: menu, users, orders, tickets, the event log.
CREATE TABLE box_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE stations (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL DEFAULT 'prep' CHECK (kind IN ('prep', 'expo')),
    position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE categories (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE menu_items (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    category_id     TEXT NOT NULL REFERENCES categories(id),
    price_cents     INTEGER NOT NULL CHECK (price_cents >= 0),
    tax_rate_bp     INTEGER NOT NULL DEFAULT 0 CHECK (tax_rate_bp BETWEEN 0 AND 10000),
    station         TEXT NOT NULL REFERENCES stations(id),
    available       INTEGER NOT NULL DEFAULT 1,
    position        INTEGER NOT NULL DEFAULT 0,
    modifier_groups TEXT NOT NULL DEFAULT '[]',  -- JSON, validated by edge.domain.menu
    aliases         TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'customer')),
    pin_lookup TEXT NOT NULL,  -- HMAC of the PIN under the box secret: finds the user
    pin_hash   TEXT NOT NULL,  -- scrypt: proves the PIN
    active     INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX users_unique_active_pin ON users (pin_lookup) WHERE active = 1;
CREATE UNIQUE INDEX users_unique_active_name ON users (name COLLATE NOCASE) WHERE active = 1;

CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    number          INTEGER NOT NULL,
    business_date   TEXT NOT NULL,
    client_order_id TEXT NOT NULL UNIQUE,
    request_hash    TEXT NOT NULL,
    status          TEXT NOT NULL,
    source          TEXT NOT NULL,
    created_by      TEXT,
    created_at      TEXT NOT NULL,
    updated_seq     INTEGER NOT NULL,
    doc             TEXT NOT NULL  -- the whole order as JSON (edge.domain.orders.Order)
);
CREATE UNIQUE INDEX orders_number_per_day ON orders (business_date, number);
CREATE INDEX orders_status ON orders (status, created_at);
CREATE INDEX orders_created_at ON orders (created_at);

CREATE TABLE tickets (
    id        TEXT PRIMARY KEY,
    order_id  TEXT NOT NULL REFERENCES orders(id),
    station   TEXT NOT NULL,
    status    TEXT NOT NULL,
    fired_at  TEXT,
    bumped_at TEXT
);
CREATE INDEX tickets_station_status ON tickets (station, status, fired_at);
CREATE INDEX tickets_order ON tickets (order_id);

CREATE TABLE events (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    id       TEXT NOT NULL UNIQUE,
    type     TEXT NOT NULL,
    data     TEXT NOT NULL,
    at       TEXT NOT NULL,
    hlc      TEXT NOT NULL,
    stations TEXT NOT NULL DEFAULT '',  -- ",grill,fry," so a station filter is one LIKE
    order_id TEXT
);
CREATE INDEX events_order ON events (order_id);
