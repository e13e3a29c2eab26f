#!/usr/bin/env bash
# sql.load throughput: a generated CSV of transaction-like rows (1,000,000 by default) loaded into a throwaway
# PostgreSQL cluster by the sql.load activity (binary COPY) and by psql's \copy (README "Benchmarks").
# Needs Debian's postgresql package (initdb, pg_ctl, psql).
#   tests/bench-sql.sh [--rows 1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet run -c Release --project tests/Orchestrator.Benchmarks -- sql-load "$@"
