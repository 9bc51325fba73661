-- A function may declare that calling it twice with the same arguments does no harm (a lookup, a
-- read). Its calls then run while their record is being committed, and a call in flight at a
-- crash is repeated instead of being reported as interrupted.
ALTER TABLE functions ADD COLUMN idempotent boolean NOT NULL DEFAULT false;
