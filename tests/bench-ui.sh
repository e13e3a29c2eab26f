#!/usr/bin/env bash
# Prints the web UI numbers quoted in README.md ("Benchmarks"): initial JavaScript, the workflows page and the grid
# rendered after their data, a live 1,000-task run page. Needs Debian's chromium (the test command installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project tests/Orchestrator.Benchmarks -- ui "$@"
