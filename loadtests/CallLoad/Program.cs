using System.CommandLine;
using CallLoad;
using CallLoad.Ceiling;
using CallLoad.Reporting;
using CallLoad.Scenarios;
using CallLoad.Targets;

var target = new Option<TargetKind>("--target") { Description = "System under test: CallService or Nginx.", DefaultValueFactory = _ => TargetKind.CallService };
var targetUrl = new Option<string?>("--target-url") { Description = "Attach to a running target on loopback: http://127.0.0.1:PORT (CallService) or rtmp://127.0.0.1:PORT/live." };
var apiKey = new Option<string?>("--api-key") { Description = "API key of an attached CallService." };
var targetPid = new Option<int?>("--target-pid") { Description = "Process id of an attached target (CPU/RSS sampling)." };
var serviceDll = new Option<string?>("--service-dll") { Description = "CallService.dll to start (default: src/CallService/bin/Release/net10.0, built when missing)." };
var nginxConfig = new Option<string?>("--nginx-config") { Description = "nginx config template (default: loadtests/nginx/nginx-rtmp.conf)." };
var jsonOut = new Option<string?>("--json-out") { Description = "Also write the result as JSON to this file." };
var duration = new Option<int>("--duration") { Description = "Measuring seconds (bounded: 1–300).", DefaultValueFactory = _ => 20 };
var calls = new Option<int>("--calls") { Description = "Concurrent 1:1 calls (bounded: 1–500).", DefaultValueFactory = _ => 10 };

Option[] common = [target, targetUrl, apiKey, targetPid, serviceDll, nginxConfig, jsonOut];
TargetSpec Spec(ParseResult r) => new()
{
    Kind = r.GetValue(target),
    TargetUrl = r.GetValue(targetUrl),
    ApiKey = r.GetValue(apiKey),
    TargetPid = r.GetValue(targetPid),
    ServiceDll = r.GetValue(serviceDll),
    NginxConfig = r.GetValue(nginxConfig),
};
TimeSpan Seconds(ParseResult r) => TimeSpan.FromSeconds(Math.Clamp(r.GetValue(duration), 1, 300));
int Calls(ParseResult r) => Math.Clamp(r.GetValue(calls), 1, 500);

Command WithCommon(Command command)
{
    foreach (var option in common)
        command.Options.Add(option);
    return command;
}

var viewer = new Option<ViewerProtocol>("--viewer") { Description = "How viewers play: Rtmp or Flv (HTTP-FLV, CallService only).", DefaultValueFactory = _ => ViewerProtocol.Rtmp };
var relayLatency = WithCommon(new Command("relay-latency", "N concurrent 1:1 calls (2 publishers + 2 viewers each) for T seconds: per-message relay latency, loss, CPU, RSS.") { calls, duration, viewer });
relayLatency.SetAction((r, ct) => Cli.RunMediaAsync(Spec(r), r.GetValue(jsonOut), ct,
    (t, file, status, token) => RelayLatencyScenario.RunAsync(t, file, new RelayLatencyOptions { Calls = Calls(r), Duration = Seconds(r), Viewer = r.GetValue(viewer) }, status, token)));

var start = new Option<int>("--start") { Description = "First N.", DefaultValueFactory = _ => 10 };
var step = new Option<int>("--step") { Description = "N increment.", DefaultValueFactory = _ => 10 };
var maxCalls = new Option<int>("--max-calls") { Description = "Largest N tried (bounded: ≤ 500).", DefaultValueFactory = _ => 100 };
var stepSeconds = new Option<int>("--step-seconds") { Description = "Measuring seconds per step.", DefaultValueFactory = _ => 10 };
var capacity = WithCommon(new Command("capacity", "Raise N until p99 relay latency > 50 ms or messages are lost; report the last good N.") { start, step, maxCalls, stepSeconds });
capacity.SetAction((r, ct) => Cli.RunMediaAsync(Spec(r), r.GetValue(jsonOut), ct,
    (t, file, status, token) => CapacityScenario.RunAsync(t, file, new CapacityOptions
    {
        Start = Math.Max(1, r.GetValue(start)),
        Step = Math.Max(1, r.GetValue(step)),
        MaxCalls = Math.Clamp(r.GetValue(maxCalls), 1, 500),
        StepDuration = TimeSpan.FromSeconds(Math.Clamp(r.GetValue(stepSeconds), 3, 120)),
    }, status, token)));

var slowViewer = WithCommon(new Command("slow-viewer", "Viewers capped at a quarter of the bit rate (RTMP, and HTTP-FLV where the target serves it) beside a normal one.") { duration });
slowViewer.SetAction((r, ct) => Cli.RunMediaAsync(Spec(r), r.GetValue(jsonOut), ct,
    (t, file, status, token) => SlowViewerScenario.RunAsync(t, file, new SlowViewerOptions { Duration = Seconds(r) }, status, token)));

var joins = new Option<int>("--joins") { Description = "Viewers joining live streams (bounded: 1–200).", DefaultValueFactory = _ => 20 };
var ttff = WithCommon(new Command("ttff", "Time to first decodable frame for viewers joining live streams.") { joins });
ttff.SetAction((r, ct) => Cli.RunMediaAsync(Spec(r), r.GetValue(jsonOut), ct,
    (t, file, status, token) => TtffScenario.RunAsync(t, file, new TtffOptions { Joins = Math.Clamp(r.GetValue(joins), 1, 200) }, status, token)));

var rate = new Option<int>("--rate") { Description = "Target call lifecycles per second (bounded: 1–5000).", DefaultValueFactory = _ => 100 };
var ceiling = new Option<bool>("--ceiling") { Description = "Drive the minimal ASP.NET ceiling server instead of CallService." };
var pool = new Option<int>("--pool") { Description = "Reuse N user pairs (tokens + open sockets set up first); 0 = fresh users per lifecycle (bounded: 0–5000).", DefaultValueFactory = _ => 0 };
var provider = new Option<string>("--provider") { Description = "signaling: storage of the CallService nodes the tool starts: sqlite (one node) or postgres (a throwaway cluster, initdb/pg_ctl as the postgres user).", DefaultValueFactory = _ => "sqlite" };
var nodes = new Option<int>("--nodes") { Description = "signaling: CallService processes on one PostgreSQL; parties' sockets and requests are spread over them (bounded: 1–4).", DefaultValueFactory = _ => 1 };
var pin = new Option<bool>("--pin") { Description = "signaling: run the server (nodes, database) and this generator on separate CPUs with taskset (first half / second half of the allowed CPUs)." };
var compareCeiling = new Option<bool>("--compare-ceiling") { Description = "signaling: measure the ceiling server, then CallService, in one invocation and print the ratios." };
var signalingWarmup = new Option<int>("--warmup") { Description = "signaling: open-loop warm-up at ≤ 300/s before measuring, seconds; 0 measures right after start (bounded: 0–120). The node has run its own start-up warm-up by then (Startup:WarmUpLifecycles, 1,000 by default); add --service-env Startup__WarmUpLifecycles=0 for a cold node.", DefaultValueFactory = _ => 8 };
var signalingSyscalls = new Option<int>("--syscall-seconds") { Description = "signaling: after the window, go on at the same rate with strace -c -f attached to the server for this long; prints syscalls per lifecycle; 0 skips (bounded: 0–30).", DefaultValueFactory = _ => 0 };
var signalingTimeline = new Option<int>("--timeline-seconds") { Description = "signaling: slice length of the window's timeline (completions, lifecycle p50/p99, server CPU per lifecycle, RSS per slice), seconds (bounded: 1–60).", DefaultValueFactory = _ => 10 };
var generatorWarmup = new Option<int?>("--generator-warmup") { Description = "signaling: before any target starts, the generator runs lifecycles at ≤ 300/s (at most --rate, up to 64 pooled pairs) against a throwaway ceiling server for this long, seconds, so a cold window (--warmup 0) does not measure the generator's own JIT (bounded: 0–60; default: 10 with --warmup 0, else 0)." };
var ceilingStack = new Option<CeilingStack>("--ceiling-stack") { Description = "signaling: what the ceiling server runs around its endpoints with --ceiling or --compare-ceiling: Bare (nothing; the issue's bare ASP.NET server) or Framework (CallService's ASP.NET Core components: exception handler, status-code pages, bearer authentication, authorization policies, the partitioned token-bucket rate limiter at CallService's default limits).", DefaultValueFactory = _ => CeilingStack.Bare };
var signalingEnv = new Option<string[]>("--service-env") { Description = "NAME=VALUE added to the environment of every CallService node the tool starts (repeatable).", AllowMultipleArgumentsPerToken = true };
var signaling = WithCommon(new Command("signaling", "Full call lifecycles (tokens, create with ring, accept, 4 status reports, hang-up, both parties on WebSockets) at a target rate; reports the generator's own CPU and marks a saturated generator.")
{
    rate, duration, ceiling, ceilingStack, pool, provider, nodes, pin, compareCeiling, signalingWarmup, generatorWarmup, signalingSyscalls, signalingTimeline, signalingEnv,
});
signaling.SetAction((r, ct) => SignalingCli.RunAsync(new SignalingCommand
{
    Spec = Spec(r) with { ServiceEnvironment = Cli.EnvironmentPairs(r.GetValue(signalingEnv) ?? []) },
    Ceiling = r.GetValue(ceiling),
    CeilingStack = r.GetValue(ceilingStack),
    CompareCeiling = r.GetValue(compareCeiling),
    Provider = r.GetValue(provider) ?? "sqlite",
    Nodes = Math.Clamp(r.GetValue(nodes), 1, 4),
    Pin = r.GetValue(pin),
    JsonOut = r.GetValue(jsonOut),
    Options = new SignalingOptions
    {
        Rate = Math.Clamp(r.GetValue(rate), 1, 5000),
        Duration = TimeSpan.FromSeconds(Math.Clamp(r.GetValue(duration), 1, 120)),
        PartyPool = Math.Clamp(r.GetValue(pool), 0, 5000),
        WarmupDuration = TimeSpan.FromSeconds(Math.Clamp(r.GetValue(signalingWarmup), 0, 120)),
        GeneratorWarmup = TimeSpan.FromSeconds(Math.Clamp(r.GetValue(generatorWarmup) ?? (r.GetValue(signalingWarmup) <= 0 ? 10 : 0), 0, 60)),
        SyscallWindow = TimeSpan.FromSeconds(Math.Clamp(r.GetValue(signalingSyscalls), 0, 30)),
        TimelineSlice = TimeSpan.FromSeconds(Math.Clamp(r.GetValue(signalingTimeline), 1, 60)),
    },
}, ct));

var costCalls = new Option<int>("--calls") { Description = "Concurrent 1:1 calls (bounded: 1–200).", DefaultValueFactory = _ => 25 };
var costDuration = new Option<int>("--duration") { Description = "Untraced window for CPU, latency and RSS, seconds (bounded: 2–300).", DefaultValueFactory = _ => 15 };
var warmup = new Option<int>("--warmup") { Description = "Load on each target before measuring, seconds (bounded: 0–120).", DefaultValueFactory = _ => 10 };
var syscallSeconds = new Option<int>("--syscall-seconds") { Description = "Separate window with strace -c -f attached, seconds; 0 skips it (bounded: 0–60).", DefaultValueFactory = _ => 5 };
var costViewers = new Option<CostViewers>("--viewers") { Description = "Viewers per stream: Rtmp, Flv (HTTP-FLV on CallService, RTMP on nginx) or Both (RTMP + HTTP-FLV; nginx: 2 RTMP).", DefaultValueFactory = _ => CostViewers.Rtmp };
var targets = new Option<TargetKind[]>("--targets") { Description = "Targets measured in turn (default: CallService Nginx).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [TargetKind.CallService, TargetKind.Nginx] };
var serviceEnv = new Option<string[]>("--service-env") { Description = "NAME=VALUE added to the environment of the CallService the tool starts (repeatable), e.g. DOTNET_gcServer=0 for an A/B run.", AllowMultipleArgumentsPerToken = true };
var relayMode = new Option<string>("--relay-mode") { Description = "CallService's relay: inprocess (default) or process (its own process, Media:Mode=process; CPU, RSS and syscalls are then the relay process's, the coordinator's RSS is reported beside).", DefaultValueFactory = _ => "inprocess" };
var relayExecutable = new Option<string?>("--relay-executable") { Description = "With --relay-mode process: the relay binary (e.g. the Native AOT publish of src/CallMedia.Relay); default: the one beside CallService.dll." };
var rounds = new Option<int>("--rounds") { Description = "Measure every target this many times, alternating; ratios are the median of the per-round ratios (bounded: 1–10).", DefaultValueFactory = _ => 1 };
var relayCost = new Command("relay-cost", "CallService and nginx-rtmp under the same N calls after the same warm-up: CPU per delivered Mbit, syscalls per message, RSS, relay latency; prints ratios.")
{
    costCalls, costDuration, warmup, syscallSeconds, costViewers, rounds, targets, serviceDll, serviceEnv, relayMode, relayExecutable, nginxConfig, jsonOut,
};
relayCost.SetAction((r, ct) => Cli.RunRelayCostAsync(
    () => [.. r.GetValue(targets)!.Distinct().Select(kind => new TargetSpec
    {
        Kind = kind, ServiceDll = r.GetValue(serviceDll), NginxConfig = r.GetValue(nginxConfig),
        ServiceEnvironment = Cli.RelayModeEnvironment(Cli.EnvironmentPairs(r.GetValue(serviceEnv) ?? []), r.GetValue(relayMode), r.GetValue(relayExecutable)),
    })],
    Cli.RelayCostOptions(r.GetValue(costCalls), r.GetValue(costDuration), r.GetValue(warmup), r.GetValue(syscallSeconds), r.GetValue(costViewers), r.GetValue(rounds)),
    r.GetValue(jsonOut), ct));

var recCalls = new Option<int>("--calls") { Description = "Recorded calls; as many unrecorded ones run beside them (bounded: 1–100).", DefaultValueFactory = _ => 25 };
var recDuration = new Option<int>("--duration") { Description = "Each measuring window, seconds (bounded: 2–300).", DefaultValueFactory = _ => 15 };
var recWarmup = new Option<int>("--warmup") { Description = "Load before each window, seconds (bounded: 0–120).", DefaultValueFactory = _ => 8 };
var recSwitch = new Option<RecordingSwitch>("--switch") { Description = "Api: \"recording\":\"on\" on POST /v1/calls. TestSwitch: TEST ONLY, the relay's Media:Recording:TestControlDirectory (a build without the recording API).", DefaultValueFactory = _ => RecordingSwitch.Api };
var recordingCost = new Command("recording-cost", "N recorded calls beside N unrecorded ones, then 2N unrecorded: viewer latency and loss per group, server CPU and disk writes per recorded call.")
{
    recCalls, recDuration, recWarmup, recSwitch, serviceDll, jsonOut,
};
recordingCost.SetAction((r, ct) => Cli.RunRecordingCostAsync(new RecordingCostOptions
{
    Calls = Math.Clamp(r.GetValue(recCalls), 1, 100),
    Duration = TimeSpan.FromSeconds(Math.Clamp(r.GetValue(recDuration), 2, 300)),
    Warmup = TimeSpan.FromSeconds(Math.Clamp(r.GetValue(recWarmup), 0, 120)),
    Switch = r.GetValue(recSwitch),
    ServiceDll = r.GetValue(serviceDll),
}, r.GetValue(jsonOut), ct));

var docs = new Option<string>("--out") { Description = "Report path (raw JSON is written next to it).", DefaultValueFactory = _ => Path.Combine(RepoPaths.Root, "docs", "benchmarks.md") };
var quick = new Option<bool>("--quick") { Description = "Short runs (smoke): fewer calls, seconds and joins." };
var all = new Command("all", "Every scenario on both CallService and nginx-rtmp; writes docs/benchmarks.md and docs/benchmarks.json.") { docs, quick, serviceDll, nginxConfig, calls, relayMode, relayExecutable };
all.SetAction((r, ct) => AllScenario.RunAsync(new AllOptions
{
    ReportPath = r.GetValue(docs)!,
    Quick = r.GetValue(quick),
    LatencyCalls = r.GetResult(calls) is { Implicit: false } ? Calls(r) : null, // the default 10 is for relay-latency alone
    ServiceDll = r.GetValue(serviceDll),
    NginxConfig = r.GetValue(nginxConfig),
    ServiceEnvironment = Cli.RelayModeEnvironment([], r.GetValue(relayMode), r.GetValue(relayExecutable)),
    CommandLine = "dotnet run --project loadtests/CallLoad -c Release -- " + string.Join(' ', args),
}, ct));

var webrtcLatency = new Command("webrtc-latency", "Latency the WebRTC path adds each way (a clock burned into the frames, chromium as the browser party), side by side with RTMP → RTMP, and the gateways' CPU.") { duration, serviceDll };
webrtcLatency.SetAction((r, ct) => CallLoad.WebRtc.WebRtcLatencyScenario.RunAsync(new CallLoad.WebRtc.WebRtcLatencyOptions
{
    Duration = Seconds(r), ServiceDll = r.GetValue(serviceDll),
}, ct));

var port = new Option<int>("--port") { Description = "Port on 127.0.0.1.", Required = true };
var stack = new Option<CeilingStack>("--stack") { Description = "Bare or Framework (see signaling --ceiling-stack).", DefaultValueFactory = _ => CeilingStack.Bare };
var serveCeiling = new Command("serve-ceiling", "Internal: the minimal ASP.NET signaling endpoint used as the ceiling.") { port, stack };
serveCeiling.Hidden = true;
serveCeiling.SetAction((r, ct) => CeilingServer.RunAsync(r.GetValue(port), ct, r.GetValue(stack)));

var root = new RootCommand("CallLoad: relay and signaling benchmarks, CallService side by side with nginx-rtmp (loopback only).")
{
    relayLatency, relayCost, recordingCost, capacity, slowViewer, ttff, signaling, webrtcLatency, all, serveCeiling,
};
return await root.Parse(args).InvokeAsync();
