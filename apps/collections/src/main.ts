/**
 * apps/collections: not built yet. It will hold payments, matching, refunds and dunning (a later issue).
 * Running it says so and exits non-zero, rather than pretending to work.
 */
process.stderr.write('ratel collections: not implemented yet; see the open issues\n');
process.exit(1);
