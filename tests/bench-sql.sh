#!/usr/bin/env bash
# sql.load throughput: a generated CSV of transaction-like rows (1,000,000 by default) loaded into a throwaway
# PostgreSQL cluster by the sql.load activity and by psql's \copy, then into a SQLite file by sql.load and by the
# sqlite3 shell's .import, printed side by side (README "Benchmarks").
# Needs Debian's postgresql package (initdb, pg_ctl, psql); installs sqlite3 (Debian package) when it is missing.
#   tests/bench-sql.sh [--rows 1000000]
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v sqlite3 >/dev/null 2>&1; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends sqlite3
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet run -c Release --project tests/Orchestrator.Benchmarks -- sql-load "$@"
