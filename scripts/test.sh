#!/usr/bin/env bash
# The one command that installs everything and runs every test: lint, typecheck, then all vitest projects
# (unit, vectors and e2e tests; e2e tests start their own nats-server and redis-server on free ports).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
printf '\033[1m==> lint\033[0m\n'
pnpm lint
printf '\033[1m==> typecheck\033[0m\n'
pnpm typecheck
printf '\033[1m==> tests\033[0m\n'
node scripts/run-tests.mjs "$@"
