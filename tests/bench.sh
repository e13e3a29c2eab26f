#!/usr/bin/env bash
# Prints the engine benchmark numbers quoted in README.md ("Benchmarks").
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project tests/Orchestrator.Benchmarks
