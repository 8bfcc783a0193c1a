#!/usr/bin/env bash
# `npm start`: set up, then run the whole local system (see scripts/start-stack.ts). package.json runs
# this with `exec` and this script execs node, so npm's child is the launcher itself: the SIGTERM or
# SIGINT npm forwards reaches the launcher, which stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node -r ts-node/register/transpile-only -r tsconfig-paths/register scripts/start-stack.ts "$@"
