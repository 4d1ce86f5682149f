#!/bin/sh
# Installs everything sockex needs to build, run its demo and run its tests,
# then builds it. Safe to run again: it only installs what is missing.
set -eu
cd "$(dirname "$0")/.."

missing=""
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need clang clang
need make make
need bpftool bpftool
need ping iputils-ping
need ip iproute2
need tmux tmux
need tcpdump tcpdump
need strace strace
need groff groff-base
need prometheus prometheus
need systemd-analyze systemd
need kubectl kubernetes-client
[ -f /usr/include/bpf/bpf_helpers.h ] || missing="$missing libbpf-dev"

if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "bootstrap: missing:$missing; run as root, or install them: sudo apt-get install$missing" >&2
    exit 1
  fi
  echo "bootstrap: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # shellcheck disable=SC2086 # word splitting is the point
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# Node packages: install when missing or when the lock file changed since.
# npm ci builds nothing (the package has no install-time scripts), so build after.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
