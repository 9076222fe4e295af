#!/usr/bin/env bash
# Runs every test suite of the repository and ends with one line: "N passed, N failed, N skipped".
#   unit/property/fixture tests  : dotnet test over Hyperion.slnx (xunit)
#   consensus suites             : scripts/consensus-tests.sh (state and blockchain tests against a ratchet)
#   end-to-end (real clients)    : e2e/ (node --test), once it has tests
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
bash scripts/ensure-deps.sh || exit 1

passed=0; failed=0; skipped=0; status=0
add_counts() { passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + $3)); }

echo "==> build (Release)"
mkdir -p artifacts && touch artifacts/.cli-build-stamp.new
if ! dotnet build Hyperion.slnx -c Release -nologo -v q -tl:off "-clp:NoSummary;ErrorsOnly"; then
  echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi
# The CLI as ./hyperion runs it (used by the consensus and e2e suites): published with ReadyToRun images; then tell
# ./hyperion it is current.
if ! bash scripts/publish-cli.sh; then
  echo "publish of the CLI failed"; echo "0 passed, 1 failed"; exit 1
fi
mv artifacts/.cli-build-stamp.new artifacts/.cli-build-stamp

# e2e's npm packages first: some xunit tests read files they ship (c-kzg's KZG trusted setup).
npm_ready=0
if [ -f e2e/package.json ]; then
  echo "==> npm ci (e2e)"
  if ( cd e2e && npm ci --no-audit --no-fund --loglevel=error ); then npm_ready=1; else echo "npm ci failed"; status=1; fi
  # The Hardhat 3 project is its own package (it brings Node >= 22 from npm); its test fails clearly if this did not run.
  ( cd e2e/hardhat && npm ci --no-audit --no-fund --loglevel=error ) || { echo "npm ci (e2e/hardhat) failed"; status=1; }
fi

echo "==> dotnet test"
results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"
dotnet test Hyperion.slnx -c Release --no-build -nologo -tl:off --logger "trx" --logger "console;verbosity=minimal" \
  --results-directory "$results" || status=1
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(get total); p=$(get passed); f=$(get failed); e=$(get error); to=$(get timeout); ab=$(get aborted)
  f=$(( ${f:-0} + ${e:-0} + ${to:-0} + ${ab:-0} ))
  add_counts "${p:-0}" "$f" $(( ${total:-0} - ${p:-0} - f ))
done
[ -n "$(ls "$results"/*.trx 2>/dev/null)" ] || { echo "no test results were produced"; status=1; add_counts 0 1 0; }

if [ -x scripts/consensus-tests.sh ]; then
  echo "==> consensus tests"
  out="$results/consensus.txt"
  scripts/consensus-tests.sh | tee "$out"; rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || status=1
  line=$(grep -E '^consensus: [0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
  if [ -n "$line" ]; then
    add_counts "$(echo "$line" | sed -E 's/^consensus: ([0-9]+) passed.*/\1/')" \
               "$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')" \
               "$(echo "$line" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+' || echo 0)"
  else add_counts 0 1 0; status=1; fi
fi

if [ -f e2e/package.json ]; then
  echo "==> e2e"
  bash scripts/ensure-deps.sh --browser || status=1   # Chromium for the explorer's browser tests
  out="$results/e2e.txt"
  ( cd e2e && [ "$npm_ready" -eq 1 ] && node --test --test-concurrency=1 --test-reporter=spec ) 2>&1 | tee "$out"; rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || status=1
  p=$(grep -E '^ℹ pass [0-9]+' "$out" | tail -1 | grep -oE '[0-9]+'); f=$(grep -E '^ℹ fail [0-9]+' "$out" | tail -1 | grep -oE '[0-9]+')
  s=$(grep -E '^ℹ skipped [0-9]+' "$out" | tail -1 | grep -oE '[0-9]+')
  add_counts "${p:-0}" "${f:-1}" "${s:-0}"
fi

# Name what failed last, so that the tail of a CI log says which test to look at.
if [ "$failed" -ne 0 ]; then
  echo "==> failed tests"
  for trx in "$results"/*.trx; do
    [ -f "$trx" ] || continue
    grep -o '<UnitTestResult [^>]*outcome="\(Failed\|Error\|Timeout\|Aborted\)"[^>]*>' "$trx" \
      | grep -o 'testName="[^"]*"' | sed -E 's/^testName="(.*)"$/  xunit: \1/'
  done
  [ -f "$results/e2e.txt" ] && grep -E '^\s*✖ ' "$results/e2e.txt" | sort -u | sed -E 's/^\s*/  e2e: /' | head -40
  [ -f "$results/consensus.txt" ] && grep -iE 'FAIL|ratchet' "$results/consensus.txt" | head -20 | sed -E 's/^/  consensus: /'
fi
[ "$failed" -eq 0 ] || status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
