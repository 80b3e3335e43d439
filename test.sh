#!/usr/bin/env bash
# Runs every test of the solution. Installs what the tests need (ffmpeg, nginx-rtmp) when it is missing.
set -euo pipefail
cd "$(dirname "$0")"
missing=()
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
# nginx-rtmp is the reference RTMP server the test client is validated against (tests/RtmpTestClient.Tests).
{ command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } || missing+=(nginx)
[ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ] || missing+=(libnginx-mod-rtmp)
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
dotnet test CallService.sln -c Release "$@"
