using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace CallService.Hosting.WarmUp;

/// <summary>
/// The client side of the start-up warm-up: call lifecycles as a business backend and two parties run them against a
/// node's HTTP API and realtime channel — a user token per party (<c>POST /v1/tokens</c>), both parties' WebSockets
/// (<c>GET /v1/ws</c>, read and discarded), then per lifecycle create with ring, accept, four status reports (push and
/// play begin, 1002 and 2004, from each party) and hang-up. Each pair of users runs at most
/// <see cref="LifecyclesPerPair"/> lifecycles, within the default per-user creation limit
/// (<c>RateLimits:CallCreation:PerUser</c>, burst 10).
/// </summary>
internal sealed class WarmUpLifecycles(HttpClient http, string apiKey)
{
    /// <summary>Lifecycles one pair of users runs, one after another.</summary>
    public const int LifecyclesPerPair = 5;

    /// <summary>Pairs running at the same time: several requests in flight, as under load, on any core count.</summary>
    public const int ParallelPairs = 8;

    private static readonly byte[][] StatusReports =
    [
        """{"component":"pusher","code":1002}"""u8.ToArray(),
        """{"component":"player","code":2004}"""u8.ToArray(),
    ];

    /// <summary>
    /// Runs <paramref name="count"/> lifecycles (rounded up to whole pairs). Throws what a failed request or socket throws
    /// (<see cref="HttpRequestException"/> with the status and path), or <see cref="OperationCanceledException"/>.
    /// </summary>
    public Task RunAsync(int count, CancellationToken cancellationToken)
    {
        var pairs = (count + LifecyclesPerPair - 1) / LifecyclesPerPair;
        return Parallel.ForEachAsync(Enumerable.Range(0, pairs),
            new ParallelOptions { MaxDegreeOfParallelism = ParallelPairs, CancellationToken = cancellationToken },
            (pair, ct) => new ValueTask(PairAsync(pair, Math.Min(LifecyclesPerPair, count - pair * LifecyclesPerPair), ct)));
    }

    private async Task PairAsync(int pair, int lifecycles, CancellationToken cancellationToken)
    {
        var (a, b) = ($"warm-up-{pair}-a", $"warm-up-{pair}-b");
        var tokenA = await TokenAsync(a, cancellationToken).ConfigureAwait(false);
        var tokenB = await TokenAsync(b, cancellationToken).ConfigureAwait(false);
        using var socketA = await ConnectAsync(tokenA, cancellationToken).ConfigureAwait(false);
        using var socketB = await ConnectAsync(tokenB, cancellationToken).ConfigureAwait(false);
        var draining = Task.WhenAll(DrainAsync(socketA, cancellationToken), DrainAsync(socketB, cancellationToken));
        var create = Encoding.UTF8.GetBytes($$"""{"callee":{"userId":"{{b}}"},"scenario":"general","ring":true}""");
        for (var i = 0; i < lifecycles; i++)
        {
            var created = await SendAsync("v1/calls", tokenA, create, cancellationToken).ConfigureAwait(false);
            var callId = StringProperty(created, "callId");
            await SendAsync($"v1/calls/{callId}/accept", tokenB, null, cancellationToken).ConfigureAwait(false);
            foreach (var token in (string[])[tokenA, tokenB])
                foreach (var report in StatusReports)
                    await SendAsync($"v1/calls/{callId}/events", token, report, cancellationToken).ConfigureAwait(false);
            await SendAsync($"v1/calls/{callId}/hangup", tokenA, null, cancellationToken).ConfigureAwait(false);
        }
        await socketA.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken).ConfigureAwait(false);
        await socketB.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken).ConfigureAwait(false);
        await draining.ConfigureAwait(false); // the node answers the close: both sockets end cleanly
    }

    private async Task<string> TokenAsync(string userId, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"userId":"{{userId}}","ttlSeconds":600}""");
        var answer = await SendAsync("v1/tokens", apiKey, body, cancellationToken).ConfigureAwait(false);
        return StringProperty(answer, "token") ?? throw new InvalidOperationException("POST /v1/tokens answered without a token.");
    }

    /// <summary>One string property of a JSON answer; the parsed document goes back to its pool at once.</summary>
    private static string? StringProperty(byte[] json, string name)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty(name).GetString();
    }

    private async Task<ClientWebSocket> ConnectAsync(string token, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        var url = new UriBuilder(http.BaseAddress!) { Scheme = "ws", Path = "/v1/ws", Query = "token=" + Uri.EscapeDataString(token) };
        try
        {
            await socket.ConnectAsync(url.Uri, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads the node's event frames until it closes the socket (the frames themselves are not needed).</summary>
    private static async Task DrainAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close) return;
        }
    }

    private async Task<byte[]> SendAsync(string path, string bearer, byte[]? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"POST /{path.Split('?')[0]} answered {(int)response.StatusCode}.", null, response.StatusCode);
        return answer;
    }
}
