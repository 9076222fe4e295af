#!/usr/bin/env bash
# Consensus-test ratchet, called by test.sh. Runs `hyperion statetest` over the Ethereum GeneralStateTests and fails
# when fewer cases pass than the checked-in baseline (scripts/consensus-baseline.txt). Prints one summary line:
#   consensus: P passed, F failed, S skipped
# where F counts only regressions below the baseline, and S counts cases not run (unsupported forks) plus cases
# that do not pass yet but are not regressions. Raise the baseline when more cases pass:
#   scripts/consensus-tests.sh --update
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
baseline_file="$root/scripts/consensus-baseline.txt"

fixtures="${HYPERION_FIXTURES:-}"
if [ -z "$fixtures" ]; then
  for candidate in "$root/../shared/fixtures" /work/shared/fixtures; do
    [ -d "$candidate" ] && { fixtures="$(cd "$candidate" && pwd)"; break; }
  done
fi
state_tests="$fixtures/ethereum-tests/GeneralStateTests"
if [ -z "$fixtures" ] || [ ! -d "$state_tests" ]; then
  echo "consensus tests: fixtures not found (set HYPERION_FIXTURES or place shared/fixtures beside the repo)"
  echo "consensus: 0 passed, 1 failed, 0 skipped"; exit 1
fi

out="$(mktemp)"; trap 'rm -f "$out"' EXIT
start=$(date +%s)
./hyperion statetest "$state_tests" > "$out"
elapsed=$(( $(date +%s) - start ))
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$out" | tail -1)
if [ -z "$summary" ]; then
  tail -20 "$out"; echo "statetest produced no summary"
  echo "consensus: 0 passed, 1 failed, 0 skipped"; exit 1
fi
read -r passed failed skipped <<<"$(echo "$summary" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/')"
echo "statetest: $passed passed, $failed failed, $skipped skipped (${elapsed}s)"

if [ "${1:-}" = "--update" ]; then
  echo "statetest $passed" > "$baseline_file"
  echo "baseline updated: statetest $passed"
fi
expected=$(grep -E '^statetest [0-9]+$' "$baseline_file" 2>/dev/null | awk '{print $2}')
expected=${expected:-0}

regressions=0
if [ "$passed" -lt "$expected" ]; then
  regressions=$(( expected - passed ))
  echo "REGRESSION: $passed state-test cases pass, the baseline is $expected. Failing cases:"
  grep '^FAIL ' "$out" | head -50
fi
[ "$passed" -gt "$expected" ] && echo "note: $passed pass, above the baseline $expected; raise it with scripts/consensus-tests.sh --update"
echo "consensus: $passed passed, $regressions failed, $(( skipped + failed - regressions )) skipped"
[ "$regressions" -eq 0 ]
