-- When the current lease was taken. A process killed mid-attempt leaves the
-- lease behind; the next start records that attempt as cut off
-- (connection_reset) and needs its start time and how long it may have run.
-- NULL for leases taken before this column existed: the attempt then gets
-- the start-up time and a duration of 0.
ALTER TABLE deliveries ADD COLUMN leased_at INTEGER;
