using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using CallLoad.Targets;

namespace CallLoad.Scenarios;

/// <summary>A user with a token and an open realtime socket on <paramref name="Node"/>, where it also sends its requests.</summary>
internal sealed record SignalingParty(string UserId, string Token, PartySocket Socket, Uri Node);

/// <summary>Two parties; A calls B.</summary>
internal sealed record SignalingPair(SignalingParty A, SignalingParty B) : IAsyncDisposable
{
    /// <summary><c>POST /v1/calls</c> body of A calling B with ring.</summary>
    public byte[] CreateBody { get; } = SignalingRun.Json($$"""{"callee":{"userId":"{{B.UserId}}"},"scenario":"general","ring":true}""");

    public async ValueTask DisposeAsync()
    {
        await A.Socket.DisposeAsync().ConfigureAwait(false);
        await B.Socket.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>
/// One batch of lifecycles (warm-up, measured window or traced window) and what it measured. Each party talks to its
/// own node (<see cref="NodeSpread"/>): its socket, token and requests; create and hang-up go to A's node, accept to B's.
/// </summary>
internal sealed class SignalingRun(HttpClient http, ISignalingTarget target, SignalingOptions options, string runId)
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json") { CharSet = "utf-8" };
    private static readonly byte[] PushBegin = Json("""{"component":"pusher","code":1002}""");
    private static readonly byte[] PlayBegin = Json("""{"component":"player","code":2004}""");
    private readonly IReadOnlyList<Uri> _nodes = target.NodeUrls;

    private int _inFlight;
    private int _completed;
    private int _failed;
    private int _lostEvents;

    public SignalingOptions Options => options;
    public int InFlight => Volatile.Read(ref _inFlight);
    public int Completed => Volatile.Read(ref _completed);
    public int Failed => Volatile.Read(ref _failed);
    /// <summary>Lifecycles that failed because an awaited event did not arrive within the step timeout.</summary>
    public int LostEvents => Volatile.Read(ref _lostEvents);
    public ConcurrentBag<double> Lifecycles { get; } = [];
    /// <summary>Each completed lifecycle's end (<see cref="Stopwatch"/> ticks) and duration (ms), for the timeline.</summary>
    public ConcurrentQueue<(long EndedTicks, double Ms)> Completions { get; } = new();
    public ConcurrentBag<double> Events { get; } = [];
    public ConcurrentDictionary<string, ConcurrentBag<double>> Requests { get; } = new();
    public ConcurrentQueue<string> Errors { get; } = new();

    public static byte[] Json(string json) => Encoding.UTF8.GetBytes(json);

    public async Task<SignalingPair> PairAsync(int index, CancellationToken cancellationToken)
    {
        var nodeA = _nodes[NodeSpread.NodeOfA(index, _nodes.Count)];
        var nodeB = _nodes[NodeSpread.NodeOfB(index, _nodes.Count)];
        var userA = $"sig-{runId}-{index}-a";
        var userB = $"sig-{runId}-{index}-b";
        var tokenA = await TokenAsync(nodeA, userA, cancellationToken).ConfigureAwait(false);
        var tokenB = await TokenAsync(nodeB, userB, cancellationToken).ConfigureAwait(false);
        var connecting = Stopwatch.GetTimestamp();
        var a = await PartySocket.ConnectAsync(nodeA, tokenA, cancellationToken).ConfigureAwait(false);
        try
        {
            var b = await PartySocket.ConnectAsync(nodeB, tokenB, cancellationToken).ConfigureAwait(false);
            Requests.GetOrAdd("websocket connect (x2)", _ => []).Add(Stopwatch.GetElapsedTime(connecting).TotalMilliseconds);
            return new SignalingPair(new SignalingParty(userA, tokenA, a, nodeA), new SignalingParty(userB, tokenB, b, nodeB));
        }
        catch
        {
            await a.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>One lifecycle; with <paramref name="pooled"/> null, two fresh users are set up and torn down around it.</summary>
    public async Task LifecycleAsync(int index, SignalingPair? pooled, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _inFlight);
        SignalingPair? own = null;
        try
        {
            var pair = pooled ?? (own = await PairAsync(index, cancellationToken).ConfigureAwait(false));
            var (a, b) = (pair.A, pair.B);

            // The lifecycle DESIGN §5 times: create → accept → 4 status reports → hang-up (tokens and sockets are
            // set up per user, not per call, in a real client).
            var started = Stopwatch.GetTimestamp();
            var (call, createSent) = await SendAsync("create", HttpMethod.Post, a.Node, "v1/calls", a.Token, pair.CreateBody,
                cancellationToken, wantBody: true).ConfigureAwait(false);
            var callId = SignalingScenario.TopLevelString(call, "callId"u8) ?? throw new InvalidOperationException("create: no callId");
            await EventAsync(b.Socket, "call.incoming", callId, createSent).ConfigureAwait(false);

            var (_, acceptSent) = await SendAsync("accept", HttpMethod.Post, b.Node, $"v1/calls/{callId}/accept", b.Token, null, cancellationToken).ConfigureAwait(false);
            await EventAsync(a.Socket, "call.accepted", callId, acceptSent).ConfigureAwait(false);

            var events = $"v1/calls/{callId}/events";
            foreach (var (party, body) in (ValueTuple<SignalingParty, byte[]>[])[(a, PushBegin), (a, PlayBegin), (b, PushBegin), (b, PlayBegin)])
                await SendAsync("status report", HttpMethod.Post, party.Node, events, party.Token, body, cancellationToken).ConfigureAwait(false);

            var (_, hangupSent) = await SendAsync("hangup", HttpMethod.Post, a.Node, $"v1/calls/{callId}/hangup", a.Token, null, cancellationToken).ConfigureAwait(false);
            await EventAsync(b.Socket, "call.ended", callId, hangupSent).ConfigureAwait(false);
            var ended = Stopwatch.GetTimestamp();
            var ms = Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds;
            Lifecycles.Add(ms);
            Completions.Enqueue((ended, ms));
            Interlocked.Increment(ref _completed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref _failed);
            if (ex is TimeoutException)
                Interlocked.Increment(ref _lostEvents);
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

    private async Task<string> TokenAsync(Uri node, string userId, CancellationToken cancellationToken)
    {
        var (body, _) = await SendAsync("token", HttpMethod.Post, node, "v1/tokens", target.ApiKey,
            Json($$"""{"userId":"{{userId}}","ttlSeconds":600}"""), cancellationToken, wantBody: true).ConfigureAwait(false);
        return SignalingScenario.TopLevelString(body, "token"u8) ?? throw new InvalidOperationException("token: no token in the answer");
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
        string kind, HttpMethod method, Uri node, string path, string bearer, byte[]? body, CancellationToken cancellationToken,
        bool wantBody = false)
    {
        using var request = new HttpRequestMessage(method, new Uri(node, path));
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
