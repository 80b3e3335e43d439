using System.Net.Sockets;
using System.Text;
using CallMedia.Access;
using CallMedia.Rtmp.Chunks;
using Xunit.Abstractions;

namespace CallMedia.Tests.Loopback;

/// <summary>The audio-first policy on HTTP-FLV: Kestrel's socket is capped and its unsent bytes counted too.</summary>
public sealed class SlowFlvViewerTests(ITestOutputHelper output)
{
    [Fact]
    public async Task HttpFlv_ViewerAtAQuarterOfTheBitrate_KeepsAudioWithBoundedLatency()
    {
        var tags = await FlvFile.SampleAsync();
        const int seconds = 12;
        var bytesPerSecond = tags.Where(t => t.Timestamp < seconds * 1000).Sum(t => t.Body.Length + 15) / seconds;
        // Kestrel's response pipe sits between our queue and the socket; the README recommends 16 KiB for hosts
        // serving HTTP-FLV (default 64 KiB hides ~3 s of media from the drop policy on a link this slow).
        await using var host = await RelayHost.StartAsync(new() { ["Kestrel:MaxResponseBufferSize"] = "16384" });
        await using var pub = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Publish.Start", await pub.PublishAsync("flvslow?txSecret=x&txTime=y"));

        var uri = new Uri(host.HttpBase);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync("127.0.0.1", uri.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /live/flvslow.flv?txSecret=p&txTime=q HTTP/1.1\r\nHost: x\r\n\r\n"));
        var publisher = new FlvFilePublisher(pub, tags);
        var run = publisher.RunAsync(seconds * 1000);
        await Task.Delay(100);
        var received = await ReadThrottledAsync(socket, bytesPerSecond / 4, () => run.IsCompleted, publisher);
        await run;

        var audio = received.Where(r => r.Type == 8 && r.Body.Length > 1 && r.Body[1] == 1).ToList();
        var expected = tags.Count(t => t.IsAudioFrame && t.Timestamp >= audio[0].Ts && t.Timestamp <= seconds * 1000);
        var ratio = audio.Select(a => a.Ts).Distinct().Count() / (double)expected;
        var latencies = audio.Select(a => a.ArrivedAt - publisher.StartedAt - a.Ts).Order().ToList();
        var stats = host.Stats.GetStream("flvslow")!.Viewers.Single(v => v.Transport == MediaTransport.HttpFlv);
        output.WriteLine($"HTTP-FLV at {bytesPerSecond * 2 / 1000} kbit/s: audio {ratio:P2}, latency p95 {latencies[(int)(latencies.Count * 0.95)]} max {latencies[^1]} ms; {stats}");
        output.WriteLine("audio latency by second of arrival (max ms): " + string.Join(" ", audio
            .GroupBy(a => (a.ArrivedAt - publisher.StartedAt) / 1000).OrderBy(g => g.Key)
            .Select(g => $"{g.Key}:{g.Max(a => a.ArrivedAt - publisher.StartedAt - a.Ts)}")));
        Assert.True(ratio >= 0.99, $"audio delivery {ratio:P2}");
        Assert.True(latencies[^1] < 3000, $"latency reached {latencies[^1]} ms");
        Assert.True(stats.VideoDropped > 0, "video is dropped for the slow HTTP-FLV viewer");
    }

    private sealed record Tag(byte Type, uint Ts, byte[] Body, long ArrivedAt);

    /// <summary>Reads the chunked HTTP response at a capped rate and parses the FLV tags inside (until 1.5 s after the publisher stops).</summary>
    private static async Task<List<Tag>> ReadThrottledAsync(Socket socket, int bytesPerSecond, Func<bool> publisherDone, FlvFilePublisher publisher)
    {
        var raw = new List<byte>();
        var tags = new List<Tag>();
        var buffer = new byte[1024];
        var started = Environment.TickCount64;
        long total = 0;
        long doneAt = 0;
        var bodyStart = -1;
        var flv = new List<byte>();
        var chunkRemaining = 0;
        var parsed = 0;
        while (true)
        {
            if (publisherDone() && doneAt == 0) doneAt = Environment.TickCount64;
            if (doneAt != 0 && Environment.TickCount64 - doneAt > 1500) break;
            var wait = started + total * 1000 / bytesPerSecond - Environment.TickCount64;
            if (wait > 0) await Task.Delay((int)wait);
            using var cts = new CancellationTokenSource(500);
            int n;
            try { n = await socket.ReceiveAsync(buffer.AsMemory(0, Math.Min(buffer.Length, bytesPerSecond / 20)), SocketFlags.None, cts.Token); }
            catch (OperationCanceledException) { continue; }
            if (n == 0) break;
            total += n;
            raw.AddRange(buffer.AsSpan(0, n).ToArray());
            if (bodyStart < 0)
            {
                var text = Encoding.ASCII.GetString(raw.ToArray());
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end < 0) continue;
                bodyStart = end + 4;
                raw.RemoveRange(0, bodyStart);
            }
            // De-chunk.
            while (raw.Count > 0)
            {
                if (chunkRemaining == 0)
                {
                    var text = Encoding.ASCII.GetString(raw.ToArray(), 0, Math.Min(raw.Count, 16));
                    var crlf = text.IndexOf("\r\n", StringComparison.Ordinal);
                    if (crlf < 0) break;
                    if (crlf == 0) { raw.RemoveRange(0, 2); continue; }
                    chunkRemaining = Convert.ToInt32(text[..crlf], 16);
                    raw.RemoveRange(0, crlf + 2);
                    if (chunkRemaining == 0) break;
                }
                var take = Math.Min(chunkRemaining, raw.Count);
                flv.AddRange(raw.GetRange(0, take));
                raw.RemoveRange(0, take);
                chunkRemaining -= take;
            }
            // Parse complete FLV tags after the 13-byte file header.
            if (parsed == 0 && flv.Count >= 13) parsed = 13;
            while (parsed > 0 && flv.Count - parsed >= 11)
            {
                var size = flv[parsed + 1] << 16 | flv[parsed + 2] << 8 | flv[parsed + 3];
                if (flv.Count - parsed < 11 + size + 4) break;
                var ts = (uint)(flv[parsed + 7] << 24 | flv[parsed + 4] << 16 | flv[parsed + 5] << 8 | flv[parsed + 6]);
                tags.Add(new Tag(flv[parsed], ts, flv.GetRange(parsed + 11, size).ToArray(), Environment.TickCount64));
                parsed += 11 + size + 4;
            }
        }
        return tags;
    }
}
