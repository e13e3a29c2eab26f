#!/usr/bin/env bash
# Container health check without curl or wget: one HTTP GET to the server's own port over bash's /dev/tcp.
# Usage: orchestrator-healthcheck [PATH]   (default /health/ready); exit 0 when the answer is 200.
set -euo pipefail

path=${1:-/health/ready}
url=${ASPNETCORE_URLS:-http://127.0.0.1:8080}
url=${url%%;*}          # the first of several URLs
authority=${url#*://}
authority=${authority%%/*}
if [[ $authority == *:* && ${authority##*:} =~ ^[0-9]+$ ]]; then
  port=${authority##*:}
else
  port=80
fi

exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
IFS= read -r -t 5 status <&3
exec 3<&-
[[ $status == HTTP/1.?\ 200* ]]
