#!/bin/sh
# Installs what sockex needs, then builds it. Safe to run again: it only
# installs what is missing.
#   sh scripts/bootstrap.sh demo    the build and the demo (npm run demo)
#   sh scripts/bootstrap.sh test    that, and every tool the tests and benchmarks run (npm test, npm run bench;
#                                   the default)
#   sh scripts/bootstrap.sh --list demo|test    print that set's Debian packages, install nothing
set -eu
cd "$(dirname "$0")/.."

list=false
if [ "${1:-}" = --list ]; then
  list=true
  shift
fi

# command:package pairs. The build needs clang, make, libbpf's headers (checked below) and bpftool
# (it dumps this kernel's types for the seed of --by process: bpf/Makefile); the demo
# pings localhost; the tests also drive namespaces, tmux, tcpdump, strace, groff, Prometheus, jq,
# systemd-analyze and kubectl.
build="clang:clang make:make bpftool:bpftool"
demo="ping:iputils-ping"
tests="ip:iproute2 tmux:tmux tcpdump:tcpdump strace:strace groff:groff-base prometheus:prometheus jq:jq
  systemd-analyze:systemd kubectl:kubernetes-client"
case "${1:-test}" in
  demo) wanted="$build $demo" ;;
  test) wanted="$build $demo $tests" ;;
  *)
    echo "bootstrap: \"$1\" is neither demo nor test: sh scripts/bootstrap.sh [--list] [demo|test]" >&2
    exit 2
    ;;
esac

if $list; then
  for pair in $wanted; do echo "${pair#*:}"; done
  echo libbpf-dev
  exit 0
fi

missing=""
for pair in $wanted; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
done
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
