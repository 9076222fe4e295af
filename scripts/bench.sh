#!/usr/bin/env bash
# Runs the BenchmarkDotNet suites of bench/Hyperion.Benchmarks in one command (Release build).
#   scripts/bench.sh                 every suite, short job (1 launch, 3 warm-ups, 7 iterations)
#   scripts/bench.sh UInt256 Keccak  only suites whose names contain these words (a glob with * is passed as is)
#   scripts/bench.sh --full ...      BenchmarkDotNet's default job (many more iterations; minutes per benchmark)
#   scripts/bench.sh ... -- ARGS     extra BenchmarkDotNet arguments (e.g. -- --exporters json)
#   scripts/bench.sh --list          list the benchmarks
# Tables print at the end (Median column included); reports land in BenchmarkDotNet.Artifacts/results/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

job=(--job short --iterationCount 7)
filters=()
extra=()
list=0
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --full) job=() ;;
    --list) list=1 ;;
    --) shift; extra=("$@"); break ;;
    -*) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) if [[ "$1" == *"*"* ]]; then filters+=("$1"); else filters+=("*$1*"); fi ;;
  esac
  shift
done
[ ${#filters[@]} -gt 0 ] || filters=('*')

dotnet build bench/Hyperion.Benchmarks -c Release -nologo -v q -tl:off "-clp:NoSummary;ErrorsOnly"
run=(dotnet run -c Release --no-build --project bench/Hyperion.Benchmarks --)
if [ "$list" -eq 1 ]; then
  exec "${run[@]}" --list flat
fi
"${run[@]}" --filter "${filters[@]}" "${job[@]}" "${extra[@]}"
echo "reports: $root/BenchmarkDotNet.Artifacts/results/"
