using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RtmpTestClient.Flv;
using RtmpTestClient.Http;

namespace RtmpTestClient.Tests;

/// <summary>HttpFlvPlayer against a tiny hand-written HTTP/1.1 server (chunked FLV body, like a live relay sends).</summary>
public sealed class HttpFlvPlayerTests
{
    private static byte[] Flv(int frames)
    {
        var buffer = new ArrayBufferWriter<byte>();
        FlvReader.WriteHeader(buffer, hasAudio: true, hasVideo: true);
        FlvReader.WriteTag(buffer, new FlvTag(MediaKind.Video, 0, new byte[] { 0x17, 0, 0, 0, 0, 1 }));
        FlvReader.WriteTag(buffer, new FlvTag(MediaKind.Audio, 0, new byte[] { 0xAF, 0, 0x11, 0x90 }));
        for (var i = 0; i < frames; i++)
            FlvReader.WriteTag(buffer, new FlvTag(MediaKind.Video, (uint)(i * 40), new byte[1000]));
        return buffer.WrittenSpan.ToArray();
    }

    private static async Task ServeAsync(TcpListener listener, string status, byte[] body, int pieceSize)
    {
        using var client = await listener.AcceptTcpClientAsync();
        var stream = client.GetStream();
        var request = new byte[4096];
        var read = 0;
        while (!Encoding.ASCII.GetString(request, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
            read += await stream.ReadAsync(request.AsMemory(read));
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: video/x-flv\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"));
        for (var i = 0; i < body.Length; i += pieceSize)
        {
            var piece = body.AsMemory(i, Math.Min(pieceSize, body.Length - i));
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"{piece.Length:X}\r\n"));
            await stream.WriteAsync(piece);
            await stream.WriteAsync("\r\n"u8.ToArray());
        }
        await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
    }

    [Fact]
    public async Task Play_ChunkedFlvBody_RecordsHeaderFlagsEveryTagAndTheEnd()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = ServeAsync(listener, "200 OK", Flv(20), pieceSize: 333);

        await using var player = await HttpFlvPlayer.StartAsync($"http://127.0.0.1:{port}/live/s.flv");
        Assert.Null(await player.Closed.WaitAsync(TimeSpan.FromSeconds(10)));
        await server;

        Assert.Equal(HttpStatusCode.OK, player.StatusCode);
        Assert.Equal(new FlvHeader(1, true, true), player.Header);
        var received = player.Recorder.Snapshot();
        Assert.Equal(22, received.Count);
        Assert.True(received[0].IsSequenceHeader && received[1].IsSequenceHeader);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (uint)(i * 40)), received.Skip(2).Select(m => m.Timestamp));
    }

    [Fact]
    public async Task Play_Forbidden_ReportsStatusWithoutReading()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = ServeAsync(listener, "403 Forbidden", [], pieceSize: 1);

        await using var player = await HttpFlvPlayer.StartAsync($"http://127.0.0.1:{port}/live/s.flv?txSecret=bad");
        await server;
        Assert.Equal(HttpStatusCode.Forbidden, player.StatusCode);
        Assert.Equal(0, player.Recorder.Count);
    }

    [Fact]
    public async Task Play_WithReadCap_TakesAtLeastBodyOverRate()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var body = Flv(60); // ~62 kB
        var server = ServeAsync(listener, "200 OK", body, pieceSize: 4096);

        var started = DateTime.UtcNow;
        await using var player = await HttpFlvPlayer.StartAsync($"http://127.0.0.1:{port}/live/s.flv",
            new HttpFlvPlayerOptions { ReceiveBufferSize = 4096, MaxReadBytesPerSecond = 200_000 });
        await player.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        await server;
        var elapsed = DateTime.UtcNow - started;

        Assert.Equal(62, player.Recorder.Count);
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(250), $"62 kB at 200 kB/s took {elapsed.TotalMilliseconds} ms");
    }
}
