#!/usr/bin/env bash
# Kafka throughput: records produced and consumed back through the Kafka event stream and through kcat, against one
# in-process librdkafka mock cluster (README "Benchmarks"). Installs kcat (Debian package) when it is missing.
#   tests/bench-kafka.sh [--records 200000] [--value-bytes 200] [--partitions 12] [--runs 3] [--produce-only]
#     [--only kcat,client,stream,kafka.produce,kafka.consume,parquet] [--each (every measurement, not only medians)]
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v kcat >/dev/null 2>&1; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends kcat
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet run -c Release --project tests/Orchestrator.Benchmarks -- kafka "$@"
