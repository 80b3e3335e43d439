#!/usr/bin/env bash
# Runs every test of the solution. Installs what the tests need (ffmpeg) when it is missing.
set -euo pipefail
cd "$(dirname "$0")"
missing=()
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
dotnet test CallService.sln -c Release "$@"
