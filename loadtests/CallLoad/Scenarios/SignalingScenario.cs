using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using CallLoad.Measuring;
using CallLoad.Targets;

namespace CallLoad.Scenarios;

/// <summary>Settings of <c>signaling</c>.</summary>
public sealed record SignalingOptions
{
    /// <summary>Lifecycles started per second (open loop).</summary>
    public int Rate { get; init; } = 100;
    /// <summary>How long new lifecycles are started.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>At most this many lifecycles in flight; beyond it a start is skipped and counted as failed.</summary>
    public int MaxInFlight { get; init; } = 1000;
    /// <summary>Lifecycles run (and discarded) first at a low rate so connection pools and JIT are warm.</summary>
    public int WarmupLifecycles { get; init; } = 20;

    /// <summary>Per-step timeout (HTTP request or awaited event).</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Result of <c>signaling</c>.</summary>
public sealed record SignalingResult
{
    /// <summary>Target name.</summary>
    public required string Target { get; init; }
    /// <summary>Asked rate, lifecycles/s.</summary>
    public int TargetRate { get; init; }
    /// <summary>Completed lifecycles per second of the run.</summary>
    public double AchievedRate { get; init; }
    /// <summary>Completed lifecycles.</summary>
    public int Completed { get; init; }
    /// <summary>Failed or skipped lifecycles.</summary>
    public int Failed { get; init; }
    /// <summary>Lifecycle from the create request to the callee's <c>call.ended</c> (tokens and sockets excluded), ms.</summary>
    public Summary Lifecycle { get; init; } = Summary.Empty;
    /// <summary>Per request kind, ms.</summary>
    public Dictionary<string, Summary> Requests { get; init; } = [];
    /// <summary>Realtime events: arrival on the party's socket − start of the request that caused it, ms.</summary>
    public Summary Events { get; init; } = Summary.Empty;
    /// <summary>Server CPU seconds in the run.</summary>
    public double CpuSeconds { get; init; }
    /// <summary>Peak server RSS, MiB.</summary>
    public double PeakRssMiB { get; init; }
    /// <summary>First distinct failures.</summary>
    public List<string> Errors { get; init; } = [];
}

/// <summary>
/// Full call lifecycles at a target rate (each lifecycle with its own two users, so the busy rule never fires): both users get tokens and open their WebSocket; the caller creates a
/// ringing call with its token; the callee (told by <c>call.incoming</c>) accepts; each party reports push-begin
/// (1002) and play-begin (2004); the caller hangs up and the callee gets <c>call.ended</c>.
/// </summary>
public static class SignalingScenario
{
    /// <summary>Runs once against <paramref name="target"/>.</summary>
    public static async Task<SignalingResult> RunAsync(
        ISignalingTarget target, SignalingOptions options, RunStatus status, CancellationToken cancellationToken)
    {
        status.Reset($"{target.Name} signaling at {options.Rate}/s");
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) };
        using var http = new HttpClient(handler) { BaseAddress = target.BaseUrl, Timeout = options.StepTimeout };
        var warmup = new Run(http, target, options, "w" + Guid.NewGuid().ToString("N")[..6]);
        for (var i = 0; i < options.WarmupLifecycles; i++)
            await warmup.LifecycleAsync(i, cancellationToken).ConfigureAwait(false);
        var run = new Run(http, target, options, Guid.NewGuid().ToString("N")[..6]);
        var sampler = ProcessSampler.Start(target.ProcessId);
        var started = Stopwatch.GetTimestamp();
        var tasks = new List<Task>();
        var skipped = 0;
        for (var i = 0; ; i++)
        {
            var due = started + (long)(i * (double)Stopwatch.Frequency / options.Rate);
            if (Stopwatch.GetElapsedTime(started) >= options.Duration)
                break;
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            if (run.InFlight >= options.MaxInFlight)
            {
                skipped++;
                continue;
            }
            tasks.Add(run.LifecycleAsync(i, cancellationToken));
            if (i % 50 == 0)
            {
                status.Set("started", i + 1);
                status.Set("completed", run.Completed);
                status.Set("failed", run.Failed + skipped);
                status.Set("in flight", run.InFlight);
            }
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var (cpu, _, peak) = sampler is null ? (0, 0, 0L) : await sampler.StopAsync().ConfigureAwait(false);
        return new SignalingResult
        {
            Target = target.Name,
            TargetRate = options.Rate,
            AchievedRate = Math.Round(run.Completed / elapsed, 1),
            Completed = run.Completed,
            Failed = run.Failed + skipped,
            Lifecycle = Summary.Of(run.Lifecycles.ToArray()),
            Requests = run.Requests.ToDictionary(kv => kv.Key, kv => Summary.Of(kv.Value.ToArray())),
            Events = Summary.Of(run.Events.ToArray()),
            CpuSeconds = Math.Round(cpu, 2),
            PeakRssMiB = Math.Round(peak / 1048576.0, 1),
            Errors = run.Errors.Distinct().Take(10).ToList(),
        };
    }

    private sealed class Run(HttpClient http, ISignalingTarget target, SignalingOptions options, string runId)
    {
        private int _inFlight;
        private int _completed;
        private int _failed;

        public int InFlight => Volatile.Read(ref _inFlight);
        public int Completed => Volatile.Read(ref _completed);
        public int Failed => Volatile.Read(ref _failed);
        public ConcurrentBag<double> Lifecycles { get; } = [];
        public ConcurrentBag<double> Events { get; } = [];
        public ConcurrentDictionary<string, ConcurrentBag<double>> Requests { get; } = new();
        public ConcurrentQueue<string> Errors { get; } = new();

        public async Task LifecycleAsync(int index, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _inFlight);
            PartySocket? a = null, b = null;
            try
            {
                var userA = $"sig-{runId}-{index}-a";
                var userB = $"sig-{runId}-{index}-b";
                var tokenA = await TokenAsync(userA, cancellationToken).ConfigureAwait(false);
                var tokenB = await TokenAsync(userB, cancellationToken).ConfigureAwait(false);
                var connecting = Stopwatch.GetTimestamp();
                a = await PartySocket.ConnectAsync(target.BaseUrl, tokenA, cancellationToken).ConfigureAwait(false);
                b = await PartySocket.ConnectAsync(target.BaseUrl, tokenB, cancellationToken).ConfigureAwait(false);
                Requests.GetOrAdd("websocket connect (x2)", _ => []).Add(Stopwatch.GetElapsedTime(connecting).TotalMilliseconds);

                // The lifecycle DESIGN §5 times: create → accept → 4 status reports → hang-up (tokens and sockets are
                // set up per user, not per call, in a real client).
                var started = Stopwatch.GetTimestamp();

                var (call, createSent) = await SendAsync("create", HttpMethod.Post, "v1/calls", tokenA,
                    new JsonObject { ["callee"] = new JsonObject { ["userId"] = userB }, ["scenario"] = "general", ["ring"] = true },
                    cancellationToken).ConfigureAwait(false);
                var callId = call?["callId"]?.GetValue<string>() ?? throw new InvalidOperationException("create: no callId");
                await EventAsync(b, "call.incoming", createSent).ConfigureAwait(false);

                var (_, acceptSent) = await SendAsync("accept", HttpMethod.Post, $"v1/calls/{callId}/accept", tokenB, null, cancellationToken).ConfigureAwait(false);
                await EventAsync(a, "call.accepted", acceptSent).ConfigureAwait(false);

                foreach (var (token, component, code) in new[] { (tokenA, "pusher", 1002), (tokenA, "player", 2004), (tokenB, "pusher", 1002), (tokenB, "player", 2004) })
                {
                    await SendAsync("status report", HttpMethod.Post, $"v1/calls/{callId}/events", token,
                        new JsonObject { ["component"] = component, ["code"] = code }, cancellationToken).ConfigureAwait(false);
                }

                var (_, hangupSent) = await SendAsync("hangup", HttpMethod.Post, $"v1/calls/{callId}/hangup", tokenA, null, cancellationToken).ConfigureAwait(false);
                await EventAsync(b, "call.ended", hangupSent).ConfigureAwait(false);
                Lifecycles.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref _completed);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _failed);
                if (Errors.Count < 100)
                    Errors.Enqueue(ex.Message.Length > 200 ? ex.Message[..200] : ex.Message);
            }
            finally
            {
                if (a is not null)
                    await a.DisposeAsync().ConfigureAwait(false);
                if (b is not null)
                    await b.DisposeAsync().ConfigureAwait(false);
                Interlocked.Decrement(ref _inFlight);
            }
        }

        private async Task<string> TokenAsync(string userId, CancellationToken cancellationToken)
        {
            var (body, _) = await SendAsync("token", HttpMethod.Post, "v1/tokens", target.ApiKey,
                new JsonObject { ["userId"] = userId, ["ttlSeconds"] = 600 }, cancellationToken).ConfigureAwait(false);
            return body?["token"]?.GetValue<string>() ?? throw new InvalidOperationException("token: no token in the answer");
        }

        private async Task EventAsync(PartySocket socket, string type, long causeSentTicks)
        {
            var arrived = await socket.WaitForAsync(type).WaitAsync(options.StepTimeout).ConfigureAwait(false);
            Events.Add((arrived - causeSentTicks) * 1000.0 / Stopwatch.Frequency);
        }

        private async Task<(JsonNode? Body, long SentTicks)> SendAsync(
            string kind, HttpMethod method, string path, string bearer, JsonNode? body, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            request.Content = body is null ? null : JsonContent.Create(body);
            var sent = Stopwatch.GetTimestamp();
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            Requests.GetOrAdd(kind, _ => []).Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException($"{kind} {path.Split('/')[^1]} → {(int)response.StatusCode}: {(text.Length > 150 ? text[..150] : text)}");
            return (text.Length == 0 ? null : JsonNode.Parse(text), sent);
        }
    }

    /// <summary>One party's realtime socket: records the arrival time of each event type.</summary>
    private sealed class PartySocket : IAsyncDisposable
    {
        private readonly ClientWebSocket _socket = new();
        private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _events = new();
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;

        public static async Task<PartySocket> ConnectAsync(Uri baseUrl, string token, CancellationToken cancellationToken)
        {
            var party = new PartySocket();
            var ws = new UriBuilder(baseUrl) { Scheme = baseUrl.Scheme == "https" ? "wss" : "ws", Path = "/v1/ws", Query = "token=" + Uri.EscapeDataString(token) };
            await party._socket.ConnectAsync(ws.Uri, cancellationToken).ConfigureAwait(false);
            party._loop = party.ReceiveLoopAsync();
            return party;
        }

        public Task<long> WaitForAsync(string type) => Slot(type).Task;

        private TaskCompletionSource<long> Slot(string type) =>
            _events.GetOrAdd(type, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));

        private async Task ReceiveLoopAsync()
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (_socket.State == WebSocketState.Open)
                {
                    var count = 0;
                    ValueWebSocketReceiveResult result;
                    do
                    {
                        result = await _socket.ReceiveAsync(buffer.AsMemory(count), _stop.Token).ConfigureAwait(false);
                        count += result.Count;
                        if (count == buffer.Length)
                            Array.Resize(ref buffer, buffer.Length * 2);
                    }
                    while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
                    if (result.MessageType == WebSocketMessageType.Close)
                        break;
                    var arrived = Stopwatch.GetTimestamp();
                    using var doc = JsonDocument.Parse(buffer.AsMemory(0, count));
                    if (doc.RootElement.TryGetProperty("type", out var type) && type.GetString() is { } name)
                        Slot(name).TrySetResult(arrived);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or JsonException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (_socket.State == WebSocketState.Open)
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
            _stop.Cancel();
            await _loop.ConfigureAwait(false);
            _socket.Dispose();
        }
    }
}
