#!/usr/bin/env bash
# Runs every test of the solution (unit, integration, end-to-end with real ffmpeg and nginx-rtmp).
# Installs the Debian packages the tests need when they are missing.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v nginx >/dev/null 2>&1 || missing+=(nginx)
[ -e /usr/lib/nginx/modules/ngx_rtmp_module.so ] || missing+=(libnginx-mod-rtmp)
command -v strace >/dev/null 2>&1 || missing+=(strace)
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet build CallService.sln -c Release -nologo -v quiet
set +e
# Test assemblies run one after another (-m:1): several of them start real servers and ffmpeg peers,
# and on a 2-core machine running them side by side only makes their timing noisy.
dotnet test CallService.sln -c Release --no-build -nologo -m:1 "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line for the whole suite, summed over the test assemblies.
awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1) + 0; if ($i == "Passed:") p += $(i+1) + 0; if ($i == "Skipped:") s += $(i+1) + 0 } }
     END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
