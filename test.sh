#!/usr/bin/env bash
# Runs every test of the solution (unit, integration, end-to-end with real ffmpeg and nginx-rtmp, and real players:
# ffprobe/ffmpeg, GStreamer, VLC, rtmpdump, mpegts.js in chromium).
# Installs the Debian packages the tests need when they are missing.
set -euo pipefail
cd "$(dirname "$0")"

# Real peers of the end-to-end and player tests (tests/CallMedia.Tests/Players): each Debian package is checked with
# dpkg first, so a re-run on a prepared machine installs nothing.
packages=(
  ffmpeg nginx libnginx-mod-rtmp                       # publishers, ffprobe, ffmpeg -c copy; nginx-rtmp for comparison
  gstreamer1.0-tools gstreamer1.0-plugins-base         # gst-launch-1.0, decodebin
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad   # souphttpsrc + flvdemux; rtmp2src
  gstreamer1.0-libav                                   # H.264 / AAC decoders for GStreamer
  vlc-bin vlc-plugin-base                              # cvlc with its scene filter and afile output
  rtmpdump chromium                                    # librtmp client; the browser for mpegts.js (PuppeteerSharp)
  postgresql                                           # initdb/pg_ctl: the tests start their own throwaway cluster
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
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
