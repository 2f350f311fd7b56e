-- PostgreSQL's replicas hear of every change of a set row through a
-- trigger (postgres/0034_sets_notify.sql). Processes on one SQLite file
-- share the generation map instead, which the stores bump: nothing to do.
SELECT 1;
