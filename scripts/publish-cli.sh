#!/usr/bin/env bash
# Publishes the CLI (Release) into artifacts/publish/Hyperion.Cli/release, the build `./hyperion` runs: framework-dependent,
# for this machine's runtime, with ReadyToRun images (Hyperion.Cli.csproj says which assemblies and why). Run by ./hyperion
# when sources changed and by ./test.sh; output goes to stderr so that ./hyperion's stdout stays the command's own.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dotnet publish "$root/src/Hyperion.Cli/Hyperion.Cli.csproj" -c Release --use-current-runtime --self-contained false \
  -o "$root/artifacts/publish/Hyperion.Cli/release" -nologo -v q -tl:off "-clp:NoSummary;ErrorsOnly" >&2
