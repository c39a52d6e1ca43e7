-- Which process holds the current lease (its node id). One SQLite process
-- holds the data dir lock, so at its start every lease left is a dead
-- one's; the column lets the contract (and PostgreSQL, with many processes)
-- say whose lease it is. NULL for leases taken before this column existed.
ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;
