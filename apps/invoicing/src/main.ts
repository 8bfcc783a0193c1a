/**
 * apps/invoicing: not built yet. It will hold the NATS -> ClickHouse ingest, billing cycles and the month-end invoice run (issue #3 and later).
 * Running it says so and exits non-zero, rather than pretending to work.
 */
process.stderr.write('ratel invoicing: not implemented yet; see the open issues\n');
process.exit(1);
