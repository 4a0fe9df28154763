#!/usr/bin/env bash
# Installs what a fresh Debian machine with Node 20 lacks for Tandem, then the workspace's packages.
#   - nats-server and redis-server from Debian (only when missing)
#   - pnpm (the version pinned in package.json), through npm when it is not on PATH
#   - node_modules, exactly as pnpm-lock.yaml says
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "Tandem needs Node.js 20 or newer (found: $(node -v 2>/dev/null || echo none))." >&2
  exit 1
fi

missing=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }
have nats-server || missing+=(nats-server)
have redis-server || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} from Debian"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q "${missing[@]}"
fi

pnpm_version=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm -v 2>/dev/null)" != "$pnpm_version" ]; then
  say "installing pnpm@$pnpm_version"
  npm install -g --silent "pnpm@$pnpm_version"
fi

say "installing workspace packages (pnpm install --frozen-lockfile)"
pnpm install --frozen-lockfile --reporter=append-only
