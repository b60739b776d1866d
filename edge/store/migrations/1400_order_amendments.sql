-- Amendments to a sent order (add items, void items): each is applied once per amendment_id, so
-- a tablet may resend one after a lost answer; the same id with another body is refused.
CREATE TABLE order_amendments (
    id           TEXT PRIMARY KEY,            -- the client's amendment_id
    order_id     TEXT NOT NULL REFERENCES orders(id),
    kind         TEXT NOT NULL CHECK (kind IN ('add', 'void')),
    request_hash TEXT NOT NULL,               -- order, kind and body: same id, other change -> 409
    seq          INTEGER NOT NULL,            -- the event that applied it
    created_at   TEXT NOT NULL
);
CREATE INDEX order_amendments_order ON order_amendments (order_id);
