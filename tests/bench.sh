#!/usr/bin/env bash
# Prints the benchmark numbers quoted in README.md ("Benchmarks").
#   tests/bench.sh                 the engine and durable-execution numbers, then the PostgreSQL section
#   tests/bench.sh server-start    only the server's start-up: the build output (dotnet run) and a ReadyToRun publish
#   tests/bench.sh postgres [...]  only the PostgreSQL section: the workflow server (1 and 2 nodes, real processes)
#                                  side by side with Hangfire on one throwaway PostgreSQL, and the goals met or not;
#                                  options: --tasks N (5000) --runs R (4) --chain C (1000) --hangfire-chain C (= --chain)
#                                  --warmup N (200) --baseline DIR --server DIR --repeat K --nodes 1,2 --no-hangfire
# The PostgreSQL parts need Debian's postgresql package (initdb, pg_ctl); it is installed when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! dpkg -s postgresql >/dev/null 2>&1; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends postgresql
fi

# One Release build (the server it starts as processes is this build's Orchestrator.Server.dll); the web UI is not
# needed to measure the server.
dotnet build -c Release tests/Orchestrator.Benchmarks -p:SkipUiBuild=true -v quiet -nologo
bench=(dotnet run -c Release --no-build --project tests/Orchestrator.Benchmarks --)

# The server as the image runs it: published for this machine's runtime, which precompiles EF Core (ReadyToRun).
server_start() {
  local published
  published=$(mktemp -d)
  dotnet publish src/Orchestrator.Server -c Release --use-current-runtime -o "$published" -p:UseAppHost=false -p:SkipUiBuild=true -v quiet -nologo
  "${bench[@]}" server-start --published "$published" "$@"
  rm -rf "$published"
}

if [ "${1:-}" = "postgres" ]; then
  "${bench[@]}" "$@"
  exit
fi
if [ "${1:-}" = "server-start" ]; then
  shift
  server_start "$@"
  exit
fi

"${bench[@]}"
echo; server_start
echo
"${bench[@]}" postgres
