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
  strace                                               # relay-cost's syscall counts (CallLoad smoke)
  gstreamer1.0-nice python3-gi python3-gst-1.0         # the WebRTC gateway (webrtcbin + libnice, PyGObject)
  gir1.2-gst-plugins-bad-1.0                           # GstWebRTC/GstSdp typelibs for the gateway
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
# node runs the mini-program sample's call logic tests (node:test, no npm packages); Debian's nodejs when missing.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
log=$(mktemp)
nodelog=$(mktemp)
pglog=$(mktemp)
trap 'rm -f "$log" "$nodelog" "$pglog"' EXIT
# The mini-program sample's call logic (samples/miniprogram/README.md), TAP output for the counts below.
set +e
node --test --test-reporter=tap samples/miniprogram/test/*.test.js >"$nodelog" 2>&1
node_status=$?
set -e
grep -E '^(not ok|# (tests|pass|fail|cancelled|skipped|todo) )' "$nodelog" || true
if [ "$node_status" -ne 0 ]; then cat "$nodelog"; fi
dotnet build CallService.sln -c Release -nologo -v quiet
set +e
# Test assemblies run one after another (-m:1): several of them start real servers and ffmpeg peers,
# and on a 2-core machine running them side by side only makes their timing noisy.
dotnet test CallService.sln -c Release --no-build -nologo -m:1 "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# The coordinator's integration and end-to-end tests once more on PostgreSQL (CALLSERVICE_TEST_STORAGE=postgres: each
# test assembly starts one throwaway cluster, each service host gets a database of its own; facts about the SQLite
# files themselves skip, naming why). Only the classes that go through the coordinator's store; a --filter given to
# test.sh narrows this pass too.
postgres_pass() { # project, filter of the classes that touch the store
  local filter=$2
  if [ -n "$user_filter" ]; then filter="($filter)&($user_filter)"; fi
  CALLSERVICE_TEST_STORAGE=postgres dotnet test "$1" -c Release --no-build -nologo "${passthrough[@]}" --filter "$filter" 2>&1 | tee -a "$pglog"
  return "${PIPESTATUS[0]}"
}
user_filter=""
passthrough=()
skip_next=0
for argument in "$@"; do
  if [ "$skip_next" -eq 1 ]; then skip_next=0; user_filter=$argument; continue; fi
  if [ "$argument" = "--filter" ]; then skip_next=1; continue; fi
  passthrough+=("$argument")
done
echo "== the coordinator's tests on PostgreSQL" | tee "$pglog"
# What goes through the coordinator's store: the host's integration folders (in-process Kestrel), and the end-to-end
# classes of the real process (the browser and WebRTC ones add nothing storage-wise and cost minutes).
service_tests=(CallService.Tests.Integration CallService.Tests.Observability CallService.Tests.RateLimits)
e2e_tests=(CallCoordinatorEndToEndTests CallMediaEndToEndTests StartupEndToEndTests StartupWarmUpEndToEndTests WebhookEndToEndTests
  EvidenceEndToEndTests ObservabilityEndToEndTests StorageProviderEndToEndTests)
any_of() { local IFS='|'; local names=("${@/#/FullyQualifiedName~}"); echo "${names[*]}"; }
postgres_pass tests/CallService.Tests "$(any_of "${service_tests[@]}")"
pg_status=$?
postgres_pass tests/EndToEnd.Tests "$(any_of "${e2e_tests[@]/#/EndToEnd.Tests.}")"
e2e_pg_status=$?
if [ "$pg_status" -eq 0 ]; then pg_status=$e2e_pg_status; fi
# The relay's unit tests once more with poisoned MediaBuffer shells (src/CallMedia/README.md): a released shell is never
# reused and any later read, retain or release throws, naming where its last reference went. Counted in the first figure.
echo "== the relay's unit tests with poisoned buffer shells" | tee -a "$log"
poison_filter=$(any_of CallMedia.Tests.Media. CallMedia.Tests.Relay. CallMedia.Tests.Delivery. CallMedia.Tests.Rtmp.)
if [ -n "$user_filter" ]; then poison_filter="($poison_filter)&($user_filter)"; fi
dotnet build tests/CallMedia.Tests -c Debug -p:MediaBufferPoison=true -nologo -v quiet 2>&1 | tee -a "$log" | grep -E ' error |rror\(s\)' || true
dotnet test tests/CallMedia.Tests -c Debug --no-build -nologo "${passthrough[@]}" --filter "$poison_filter" 2>&1 | tee -a "$log"
poison_status=${PIPESTATUS[0]}
if [ "$status" -eq 0 ]; then status=$poison_status; fi
set -e
# One closing line for the whole suite, summed over the test assemblies and the node tests.
# node's TAP summary (top level, not indented): "# pass N", "# fail N", "# cancelled N" (counted as failed),
# "# skipped N", "# todo N" (counted as skipped). A node run that failed without a summary counts one failure.
awk -v node_status="$node_status" -v nodelog="$nodelog" '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1) + 0; if ($i == "Passed:") p += $(i+1) + 0; if ($i == "Skipped:") s += $(i+1) + 0 } }
     FILENAME == nodelog && /^# (pass|fail|cancelled|skipped|todo) [0-9]+$/ {
       summary = 1
       if ($2 == "pass") p += $3; else if ($2 == "fail" || $2 == "cancelled") f += $3; else s += $3 }
     END { if (node_status != 0 && !summary) f += 1
           printf "Tests: %d passed, %d failed, %d skipped", p, f, s }' "$log" "$nodelog"
# The PostgreSQL pass on the same line, on its own: a failure there is not hidden in the first pass's counts.
# A pass that failed without a summary (a crashed test host) counts one failure.
awk -v pg_status="$pg_status" '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1) + 0; if ($i == "Passed:") p += $(i+1) + 0; if ($i == "Skipped:") s += $(i+1) + 0 } }
     END { if (pg_status != 0 && f == 0) f = 1
           printf "; on PostgreSQL: %d passed, %d failed, %d skipped\n", p, f, s }' "$pglog"
if [ "$status" -eq 0 ] && [ "$node_status" -ne 0 ]; then status=$node_status; fi
if [ "$status" -eq 0 ] && [ "$pg_status" -ne 0 ]; then status=$pg_status; fi
exit "$status"
