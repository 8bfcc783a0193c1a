#!/usr/bin/env bash
# `npm start`: set up, then run the whole local system (see scripts/start-stack.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node -r ts-node/register/transpile-only -r tsconfig-paths/register scripts/start-stack.ts "$@"
