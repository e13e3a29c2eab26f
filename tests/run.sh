#!/usr/bin/env bash
# The one test command (README "Test"): installs what the tests need when it is missing, builds, runs every
# test project, and ends with a single summary line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the tests use, installed only when missing (Debian 12).
# docker-compose: the Deployment tests validate docker/docker-compose.yml with it (only the client; without
# --no-install-recommends it would pull in the Docker engine).
# postgresql: the PostgreSQL fixture starts throwaway clusters from its binaries (initdb, pg_ctl).
# python3-aiosmtpd: the SmtpInbox fixture runs it as a real SMTP server on loopback that delivers into a Maildir (alert e-mail tests).
# chromium: the web UI's end-to-end tests drive Debian's Chromium headless through Playwright (no browser download).
# curl, jq: the README's runnable command blocks use them (ReadmeCommandTests).
apt_packages=(docker-compose postgresql python3-aiosmtpd chromium curl jq)
if ((${#apt_packages[@]} > 0)); then
  missing=()
  for p in "${apt_packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if ((${#missing[@]} > 0)); then
    sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

# npm packages the tests start (s3rver for the s3.* tests), from the committed lock file; skipped when installed.
if [ ! -d tests/tools/node_modules/s3rver ]; then
  npm ci --prefix tests/tools --no-audit --no-fund
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet restore Orchestrator.sln
# The server's build also builds the web UI (npm ci from its lock file, then the Vite build).
dotnet build Orchestrator.sln -c Release --no-restore

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
# The web UI's unit and component tests (vitest): models, the live-event reducer, the generated client's freshness.
npm test --prefix src/Orchestrator.Server/ui 2>&1 | tee "$log"
ui_status=${PIPESTATUS[0]}
# A test that hangs is stopped after 10 minutes and reported by name, instead of holding the run until its limit.
dotnet test Orchestrator.sln -c Release --no-build --blame-hang-timeout 10m --blame-hang-dump-type none 2>&1 | tee -a "$log"
status=${PIPESTATUS[0]}
[ "$ui_status" -ne 0 ] && status=$ui_status
set -e

# dotnet test prints one "Passed!/Failed! - Failed: x, Passed: y, ..." line per test assembly; vitest one
# "Tests  x failed | y passed (z)" line (colours stripped).
plain=$(sed 's/\x1b\[[0-9;]*m//g' "$log")
# A grep that finds nothing must not end the script (pipefail): each count is its own sum, 0 when absent.
count() { { grep -Eo "$1" <<<"$plain" | grep -Eo '[0-9]+'; grep -E '^ +Tests ' <<<"$plain" | grep -Eo "[0-9]+ $2" | grep -Eo '[0-9]+'; } | awk '{s+=$1} END {print s+0}' || true; }
passed=$(count 'Passed: +[0-9]+' passed)
failed=$(count 'Failed: +[0-9]+' failed)
echo "${passed} passed, ${failed} failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
