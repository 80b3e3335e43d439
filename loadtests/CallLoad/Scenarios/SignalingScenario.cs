using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
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
    /// <summary>
    /// 0: every lifecycle gets two fresh users with their own tokens and sockets (issue 5 literally). N &gt; 0: N user
    /// pairs with tokens and open sockets are set up first and reused, one lifecycle at a time per pair, so the
    /// timed work is exactly DESIGN §5's lifecycle (a real client keeps its token and socket across calls).
    /// </summary>
    public int PartyPool { get; init; }

    /// <summary>Lifecycles run (and discarded) first, one after another, so connection pools are warm.</summary>
    public int WarmupLifecycles { get; init; } = 20;

    /// <summary>
    /// Then lifecycles run open loop (and are discarded) at <see cref="WarmupRate"/> (at most the target rate) for this
    /// long, at most <see cref="Duration"/>, after the pool is set up: the server's hot paths reach optimised (tier-1)
    /// code before the measured window, so the figures are the steady state, not the JIT's. Measured on CallService:
    /// tier-1 compilation of the ~2,000 hot methods only starts once no new methods appear for a while and then runs
    /// for several seconds (up to a fifth of the server's CPU); 8 s covers it on 2 cores.
    /// </summary>
    public TimeSpan WarmupDuration { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Lifecycles per second during <see cref="WarmupDuration"/> (capped at <see cref="Rate"/>).</summary>
    public int WarmupRate { get; init; } = 300;

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
    /// <summary>Reused party pairs (0 = fresh users, tokens and sockets per lifecycle).</summary>
    public int PartyPool { get; init; }
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
            await warmup.LifecycleAsync(i, null, cancellationToken).ConfigureAwait(false);
        var run = new Run(http, target, options, Guid.NewGuid().ToString("N")[..6]);
        var pool = new ConcurrentQueue<PartyPair>();
        status.Phase = $"{target.Name} signaling: setting up {options.PartyPool} party pairs";
        for (var i = 0; i < options.PartyPool; i += 16)
        {
            var batch = Enumerable.Range(i, Math.Min(16, options.PartyPool - i)).Select(k => run.PairAsync(k, cancellationToken));
            foreach (var pair in await Task.WhenAll(batch).ConfigureAwait(false))
                pool.Enqueue(pair);
        }

        var warmupDuration = options.WarmupDuration < options.Duration ? options.WarmupDuration : options.Duration;
        if (warmupDuration > TimeSpan.Zero)
        {
            status.Phase = $"{target.Name} signaling: warming up";
            var warm = new Run(http, target, options, "v" + Guid.NewGuid().ToString("N")[..6]);
            var (warmTasks, _) = await OpenLoopAsync(warm, Math.Min(options.Rate, Math.Max(1, options.WarmupRate)), warmupDuration, pool,
                null, cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(warmTasks).ConfigureAwait(false);
        }

        status.Phase = $"{target.Name} signaling at {options.Rate}/s";
        var sampler = ProcessSampler.Start(target.ProcessId);
        var started = Stopwatch.GetTimestamp();
        var (tasks, skipped) = await OpenLoopAsync(run, options.Rate, options.Duration, pool, status, cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(tasks).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var (cpu, _, peak) = sampler is null ? (0, 0, 0L) : await sampler.StopAsync().ConfigureAwait(false);
        while (pool.TryDequeue(out var pair))
            await pair.DisposeAsync().ConfigureAwait(false);
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
            PartyPool = options.PartyPool,
        };
    }

    /// <summary>Starts lifecycles at <paramref name="rate"/> for <paramref name="duration"/>; returns them and the skipped starts.</summary>
    private static async Task<(List<Task> Tasks, int Skipped)> OpenLoopAsync(Run run, int rate, TimeSpan duration,
        ConcurrentQueue<PartyPair> pool, RunStatus? status, CancellationToken cancellationToken)
    {
        var options = run.Options;
        var started = Stopwatch.GetTimestamp();
        var tasks = new List<Task>();
        var skipped = 0;
        for (var i = 0; ; i++)
        {
            var due = started + (long)(i * (double)Stopwatch.Frequency / rate);
            if (Stopwatch.GetElapsedTime(started) >= duration)
                break;
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            PartyPair? pooled = null;
            if (run.InFlight >= options.MaxInFlight || (options.PartyPool > 0 && !pool.TryDequeue(out pooled)))
            {
                skipped++;
                continue;
            }
            tasks.Add(RunAndReturnAsync(run, i, pooled, pool, cancellationToken));
            if (status is not null && i % 50 == 0)
            {
                status.Set("started", i + 1);
                status.Set("completed", run.Completed);
                status.Set("failed or skipped", run.Failed + skipped);
                status.Set("in flight", run.InFlight);
            }
        }
        return (tasks, skipped);
    }

    private static async Task RunAndReturnAsync(Run run, int index, PartyPair? pooled, ConcurrentQueue<PartyPair> pool, CancellationToken cancellationToken)
    {
        await run.LifecycleAsync(index, pooled, cancellationToken).ConfigureAwait(false);
        if (pooled is not null)
            pool.Enqueue(pooled);
    }

    private static readonly MediaTypeHeaderValue JsonType = new("application/json") { CharSet = "utf-8" };
    private static readonly byte[] PushBegin = Json("""{"component":"pusher","code":1002}""");
    private static readonly byte[] PlayBegin = Json("""{"component":"player","code":2004}""");

    private static byte[] Json(string json) => Encoding.UTF8.GetBytes(json);

    /// <summary>A top-level string property of a JSON object (forward-only reader, nested values skipped).</summary>
    internal static string? TopLevelString(byte[]? json, ReadOnlySpan<byte> name)
    {
        if (json is null) return null;
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0) return null;
            if (reader.TokenType != JsonTokenType.PropertyName) continue;
            var match = reader.CurrentDepth == 1 && reader.ValueTextEquals(name);
            if (!reader.Read()) return null;
            if (match && reader.TokenType == JsonTokenType.String) return reader.GetString();
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
        }
        return null;
    }

    /// <summary>Two users with tokens and open realtime sockets.</summary>
    private sealed record Party(string UserId, string Token, PartySocket Socket);

    private sealed record PartyPair(Party A, Party B) : IAsyncDisposable
    {
        /// <summary><c>POST /v1/calls</c> body of A calling B with ring.</summary>
        public byte[] CreateBody { get; } = Json($$"""{"callee":{"userId":"{{B.UserId}}"},"scenario":"general","ring":true}""");

        public async ValueTask DisposeAsync()
        {
            await A.Socket.DisposeAsync().ConfigureAwait(false);
            await B.Socket.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class Run(HttpClient http, ISignalingTarget target, SignalingOptions options, string runId)
    {
        public SignalingOptions Options => options;

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

        public async Task<PartyPair> PairAsync(int index, CancellationToken cancellationToken)
        {
            var userA = $"sig-{runId}-{index}-a";
            var userB = $"sig-{runId}-{index}-b";
            var tokenA = await TokenAsync(userA, cancellationToken).ConfigureAwait(false);
            var tokenB = await TokenAsync(userB, cancellationToken).ConfigureAwait(false);
            var connecting = Stopwatch.GetTimestamp();
            var a = await PartySocket.ConnectAsync(target.BaseUrl, tokenA, cancellationToken).ConfigureAwait(false);
            try
            {
                var b = await PartySocket.ConnectAsync(target.BaseUrl, tokenB, cancellationToken).ConfigureAwait(false);
                Requests.GetOrAdd("websocket connect (x2)", _ => []).Add(Stopwatch.GetElapsedTime(connecting).TotalMilliseconds);
                return new PartyPair(new Party(userA, tokenA, a), new Party(userB, tokenB, b));
            }
            catch
            {
                await a.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        /// <summary>One lifecycle; with <paramref name="pooled"/> null, two fresh users are set up and torn down around it.</summary>
        public async Task LifecycleAsync(int index, PartyPair? pooled, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _inFlight);
            PartyPair? own = null;
            try
            {
                var pair = pooled ?? (own = await PairAsync(index, cancellationToken).ConfigureAwait(false));
                var (a, b) = (pair.A, pair.B);

                // The lifecycle DESIGN §5 times: create → accept → 4 status reports → hang-up (tokens and sockets are
                // set up per user, not per call, in a real client).
                var started = Stopwatch.GetTimestamp();
                var (call, createSent) = await SendAsync("create", HttpMethod.Post, "v1/calls", a.Token, pair.CreateBody,
                    cancellationToken, wantBody: true).ConfigureAwait(false);
                var callId = TopLevelString(call, "callId"u8) ?? throw new InvalidOperationException("create: no callId");
                await EventAsync(b.Socket, "call.incoming", callId, createSent).ConfigureAwait(false);

                var (_, acceptSent) = await SendAsync("accept", HttpMethod.Post, $"v1/calls/{callId}/accept", b.Token, null, cancellationToken).ConfigureAwait(false);
                await EventAsync(a.Socket, "call.accepted", callId, acceptSent).ConfigureAwait(false);

                var events = $"v1/calls/{callId}/events";
                foreach (var (token, body) in (ValueTuple<string, byte[]>[])[(a.Token, PushBegin), (a.Token, PlayBegin), (b.Token, PushBegin), (b.Token, PlayBegin)])
                    await SendAsync("status report", HttpMethod.Post, events, token, body, cancellationToken).ConfigureAwait(false);

                var (_, hangupSent) = await SendAsync("hangup", HttpMethod.Post, $"v1/calls/{callId}/hangup", a.Token, null, cancellationToken).ConfigureAwait(false);
                await EventAsync(b.Socket, "call.ended", callId, hangupSent).ConfigureAwait(false);
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
                if (own is not null)
                    await own.DisposeAsync().ConfigureAwait(false);
                Interlocked.Decrement(ref _inFlight);
            }
        }

        private async Task<string> TokenAsync(string userId, CancellationToken cancellationToken)
        {
            var (body, _) = await SendAsync("token", HttpMethod.Post, "v1/tokens", target.ApiKey,
                Json($$"""{"userId":"{{userId}}","ttlSeconds":600}"""), cancellationToken, wantBody: true).ConfigureAwait(false);
            return TopLevelString(body, "token"u8) ?? throw new InvalidOperationException("token: no token in the answer");
        }

        private async Task EventAsync(PartySocket socket, string type, string callId, long causeSentTicks)
        {
            var arrived = await socket.WaitForAsync(type, callId, options.StepTimeout).ConfigureAwait(false);
            Events.Add((arrived - causeSentTicks) * 1000.0 / Stopwatch.Frequency);
        }

        /// <summary>
        /// One request with a pre-encoded JSON body (the generator shares the 2 cores with the server, so it builds no
        /// DOM per request); the answer's bytes are returned only when the caller reads them.
        /// </summary>
        private async Task<(byte[]? Body, long SentTicks)> SendAsync(
            string kind, HttpMethod method, string path, string bearer, byte[]? body, CancellationToken cancellationToken,
            bool wantBody = false)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = JsonType;
            }
            var sent = Stopwatch.GetTimestamp();
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            Requests.GetOrAdd(kind, _ => []).Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            if (!response.IsSuccessStatusCode)
            {
                var text = Encoding.UTF8.GetString(bytes);
                throw new HttpRequestException($"{kind} {path.Split('/')[^1]} → {(int)response.StatusCode}: {(text.Length > 150 ? text[..150] : text)}");
            }
            return (wantBody && bytes.Length > 0 ? bytes : null, sent);
        }
    }
}
