#!/usr/bin/env bash
# Installs the system packages Hyperion needs when they are missing (Debian). Sourced or run by ./hyperion and ./test.sh.
#   --browser : also Chromium, for the block explorer's browser tests (e2e/test/explorer.test.mjs)
set -euo pipefail

need_apt=()
if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null 2>&1; then need_apt+=(chromium); fi
# Read the cache once: `ldconfig -p | grep -q` under pipefail fails at random when grep exits first (SIGPIPE).
libs="$(ldconfig -p 2>/dev/null || true)"
if ! grep -q 'libsecp256k1\.so\.1' <<<"$libs"; then need_apt+=(libsecp256k1-1); fi
# LightningDB's bundled liblmdb.so needs glibc 2.38; MetisDB falls back to Debian's liblmdb.so.0.
if ! grep -q 'liblmdb\.so\.0' <<<"$libs"; then need_apt+=(liblmdb0); fi

if [ ${#need_apt[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "hyperion: missing Debian packages: ${need_apt[*]} (run: apt-get install -y ${need_apt[*]})" >&2; exit 1
    fi
  fi
  echo "hyperion: installing ${need_apt[*]} ..." >&2
  # apt-get update does not wait for another run's lock on the package lists: try again for up to two minutes.
  for _ in $(seq 1 24); do $sudo apt-get update -qq >&2 2>/dev/null && break; sleep 5; done
  log=$(mktemp)
  # Wait for another apt/dpkg run to finish rather than fail on its lock.
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need_apt[@]}" >"$log" 2>&1; then
    cat "$log" >&2; echo "hyperion: could not install ${need_apt[*]}" >&2; exit 1
  fi
  rm -f "$log"
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "hyperion: the .NET 10 SDK is required (dotnet not on PATH)" >&2; exit 1
fi
