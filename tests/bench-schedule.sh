#!/usr/bin/env bash
# What one trigger fire costs the scheduler in interval arithmetic: walking every tick from the schedule's start
# (the scheduler before the timetable) against the timetable computed around now (README "Benchmarks").
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet run -c Release --project tests/Orchestrator.Benchmarks -- schedule "$@"
