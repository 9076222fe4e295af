#!/usr/bin/env bash
# Consensus-test ratchet, called by test.sh. Runs `hyperion statetest` over the Ethereum GeneralStateTests and
# `hyperion blocktest` over the BlockchainTests, and fails when fewer cases pass than the checked-in baseline
# (scripts/consensus-baseline.txt: lines "statetest N" and "blocktest N"). Prints one summary line:
#   consensus: P passed, F failed, S skipped
# where F counts only regressions below the baseline, and S counts cases not run (unsupported forks) plus cases
# that do not pass yet but are not regressions. Raise the baseline when more cases pass:
#   scripts/consensus-tests.sh --update
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
baseline_file="$root/scripts/consensus-baseline.txt"
update=0; [ "${1:-}" = "--update" ] && update=1

fixtures="${HYPERION_FIXTURES:-}"
if [ -z "$fixtures" ]; then
  for candidate in "$root/../shared/fixtures" /work/shared/fixtures; do
    [ -d "$candidate" ] && { fixtures="$(cd "$candidate" && pwd)"; break; }
  done
fi
if [ -z "$fixtures" ] || [ ! -d "$fixtures/ethereum-tests" ]; then
  echo "consensus tests: fixtures not found (set HYPERION_FIXTURES or place shared/fixtures beside the repo)"
  echo "consensus: 0 passed, 1 failed, 0 skipped"; exit 1
fi

total_passed=0; total_regressions=0; total_skipped=0; new_baseline=""
# run_suite NAME DIRECTORY [ARGS...]: runs `hyperion NAME DIRECTORY ARGS...` and compares its pass count with the
# baseline of NAME (the same for every execution mode).
run_suite() {
  local name=$1 dir=$2 out start elapsed summary passed failed skipped expected regressions
  shift 2
  local label="$name${*:+ $*}"
  out="$(mktemp)"
  start=$(date +%s)
  ./hyperion "$name" "$dir" "$@" > "$out"
  elapsed=$(( $(date +%s) - start ))
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$out" | tail -1)
  if [ -z "$summary" ]; then
    tail -20 "$out"; echo "$name produced no summary"; rm -f "$out"
    total_regressions=$((total_regressions + 1)); return
  fi
  read -r passed failed skipped <<<"$(echo "$summary" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/')"
  echo "$label: $passed passed, $failed failed, $skipped skipped (${elapsed}s)"
  expected=$(grep -E "^$name [0-9]+$" "$baseline_file" 2>/dev/null | awk '{print $2}')
  expected=${expected:-0}
  [ "$update" -eq 1 ] && expected=$passed
  [ "$*" = "--exec-threads 0 --vm interpreter" ] && new_baseline+="$name $passed"$'\n'
  regressions=0
  if [ "$passed" -lt "$expected" ]; then
    regressions=$(( expected - passed ))
    echo "REGRESSION: $passed $label cases pass, the baseline is $expected. Failing cases:"
    grep '^FAIL ' "$out" | head -50
  else
    if [ "$failed" -gt 0 ]; then
      echo "known failing (not below the baseline, counted as skipped in the total):"
      grep '^FAIL ' "$out" | head -20
    fi
    if [ "$passed" -gt "$expected" ]; then
      echo "note: $passed $name cases pass, above the baseline $expected; raise it with scripts/consensus-tests.sh --update"
    fi
  fi
  rm -f "$out"
  total_passed=$((total_passed + passed))
  total_regressions=$((total_regressions + regressions))
  local not_passing=$(( failed - regressions )); [ "$not_passing" -lt 0 ] && not_passing=0
  total_skipped=$((total_skipped + skipped + not_passing))
}

# Sequential execution is the baseline; every execution mode must pass the same cases: the state tests' transaction
# through the parallel executor's multi-version state, every block through Block-STM at 1, 2, 4 and 8 threads, and
# both suites with every frame run by MetisVM's compiled tier. The sequential runs use the interpreter, the other
# modes the default tier (compiled for hot code), so each tier is checked without a further statetest run.
run_suite statetest "$fixtures/ethereum-tests/GeneralStateTests" --exec-threads 0 --vm interpreter
run_suite blocktest "$fixtures/ethereum-tests/BlockchainTests" --exec-threads 0 --vm interpreter
[ "$update" -eq 1 ] || {
  run_suite statetest "$fixtures/ethereum-tests/GeneralStateTests" --exec-threads 1
  for threads in 1 2 4 8; do
    run_suite blocktest "$fixtures/ethereum-tests/BlockchainTests" --exec-threads "$threads"
  done
  # The compiled tier must give the interpreter's results: every frame compiled (issue 15).
  run_suite statetest "$fixtures/ethereum-tests/GeneralStateTests" --exec-threads 0 --vm compiled-always
  run_suite blocktest "$fixtures/ethereum-tests/BlockchainTests" --exec-threads 0 --vm compiled-always
}
if [ "$update" -eq 1 ]; then
  printf '%s' "$new_baseline" > "$baseline_file"
  echo "baseline updated:"; cat "$baseline_file"
fi
echo "consensus: $total_passed passed, $total_regressions failed, $total_skipped skipped"
[ "$total_regressions" -eq 0 ]
