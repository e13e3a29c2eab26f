#!/usr/bin/env bash
# Alert delivery throughput: alerts in the outbox (SQLite, then a throwaway PostgreSQL) drained by the dispatcher
# into a local SMTP server (Debian's python3-aiosmtpd) and a local webhook receiver (README "Benchmarks").
#   tests/bench-alerts.sh [--alerts 500]
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet run -c Release --project tests/Orchestrator.Benchmarks -- alerts "$@"
