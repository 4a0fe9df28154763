#!/usr/bin/env bash
# The one command that installs and runs the local Tandem system.
#   bash scripts/devnet.sh            start (reuses .devnet/ state from a previous run)
#   bash scripts/devnet.sh --reset    wipe .devnet/ first
#   bash scripts/devnet.sh --once     run the demo, then stop everything (for scripted checks)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec pnpm --silent --filter @tandem/devnet start "$@"
