#!/usr/bin/env bash
# `npm test`: set up, type-check, lint, check the formatting, then run the whole jest suite. Jest's globalSetup starts
# throwaway Redis, NATS (JetStream), PostgreSQL and ClickHouse servers on free loopback ports in temporary
# directories (unless REDIS_URL / NATS_URL / DATABASE_URL / CLICKHOUSE_URL are set) and stops them afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "test: type-check"
npx tsc -p tsconfig.json --noEmit
echo "test: lint"
npx eslint .
echo "test: format (prettier --check)"
npx prettier --check . >/dev/null || { npx prettier --list-different .; echo "test: run 'npm run format'" >&2; exit 1; }
echo "test: jest"
results=$(mktemp)
status=0
npx jest --ci --json --outputFile="$results" "$@" || status=$?
# The plain closing line CI reads: "N passed, N failed" (plus skipped).
node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`)' "$results" || true
rm -f "$results"
exit "$status"
