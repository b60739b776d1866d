-- A KDS asks for its tickets bumped in the last 15 minutes. Where expo never completes orders,
-- ready tickets pile up all day; without this index that question scanned every one of them.
CREATE INDEX tickets_station_recently_bumped ON tickets (station, status, bumped_at);
