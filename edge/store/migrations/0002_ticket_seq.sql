-- The kitchen's order comes from the event log, not the wall clock: a Pi without a real-time
-- clock may boot in 1970 and fire new tickets "before" old ones. fired_seq / bumped_seq are the
-- seq of the event that fired / last bumped the ticket.
ALTER TABLE tickets ADD COLUMN fired_seq INTEGER;
ALTER TABLE tickets ADD COLUMN bumped_seq INTEGER;
UPDATE tickets SET fired_seq = (SELECT MIN(e.seq) FROM events e
                                WHERE e.order_id = tickets.order_id AND e.type = 'order.fired')
 WHERE fired_at IS NOT NULL;
UPDATE tickets SET bumped_seq = (SELECT MAX(e.seq) FROM events e
                                 WHERE e.order_id = tickets.order_id AND e.type = 'ticket.bumped'
                                   AND json_extract(e.data, '$.ticket_id') = tickets.id)
 WHERE bumped_at IS NOT NULL;
CREATE INDEX tickets_station_status_seq ON tickets (station, status, fired_seq);
