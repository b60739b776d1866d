-- The durable print queue (devices.printer). A job row is written in the same transaction as
-- the change that needs printing (an order fired, a receipt or reprint asked for), so a ticket
-- exists on disk before the order is acknowledged, whatever the printer is doing.
CREATE TABLE print_jobs (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,  -- drain order within one printer
    id         TEXT NOT NULL UNIQUE,               -- UUIDv7, what the API shows
    printer    TEXT NOT NULL,                      -- PrinterSettings.name
    kind       TEXT NOT NULL CHECK (kind IN ('ticket', 'receipt')),
    order_id   TEXT NOT NULL,
    ticket_id  TEXT,                               -- kitchen tickets only
    order_doc  TEXT NOT NULL,                      -- the order as printed (JSON, edge.domain.orders.Order)
    status     TEXT NOT NULL DEFAULT 'queued'
               CHECK (status IN ('queued', 'printing', 'done', 'failed', 'cancelled')),
    reprint    INTEGER NOT NULL DEFAULT 0,         -- print with the REPRINT banner
    reprint_of TEXT,                               -- the job this one repeats, when asked for
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    printed_at TEXT
);
CREATE INDEX print_jobs_pending ON print_jobs (printer, seq) WHERE status IN ('queued', 'printing');
CREATE INDEX print_jobs_ticket ON print_jobs (ticket_id);
CREATE INDEX print_jobs_order ON print_jobs (order_id);
