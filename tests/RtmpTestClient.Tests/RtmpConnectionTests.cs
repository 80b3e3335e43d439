using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using RtmpTestClient.Amf;
using RtmpTestClient.Chunking;
using RtmpTestClient.Rtmp;

namespace RtmpTestClient.Tests;

/// <summary>The connection's protocol-control handling against a scripted server (bytes as RTMP spec §5.4, §6.2, §7.2.1.1).</summary>
public sealed class RtmpConnectionTests
{
    private sealed class ScriptedServer(Socket socket)
    {
        private readonly ChunkWriter _writer = new();
        private readonly ChunkReader _reader = new();
        private readonly List<byte> _pending = [];

        public async Task HandshakeAsync()
        {
            var c0c1 = await ReceiveExactlyAsync(1 + 1536);
            Assert.Equal(3, c0c1[0]);
            var s0s1s2 = new byte[1 + 1536 + 1536];
            s0s1s2[0] = 3;
            c0c1.AsSpan(1).CopyTo(s0s1s2.AsSpan(1 + 1536)); // S2 echoes C1
            await socket.SendAsync(s0s1s2);
            await ReceiveExactlyAsync(1536); // C2
        }

        public async Task SendAsync(byte type, uint streamId, byte[] payload, int chunkStream = 2)
        {
            var output = new ArrayBufferWriter<byte>();
            _writer.Write(output, new RtmpMessage(chunkStream, type, streamId, 0, payload));
            await socket.SendAsync(output.WrittenMemory);
        }

        public void UseChunkSize(int size) => _writer.ChunkSize = size;

        public async Task<RtmpMessage> ReceiveAsync(Func<RtmpMessage, bool> match)
        {
            while (true)
            {
                var sequence = new SequenceReader<byte>(new ReadOnlySequence<byte>(_pending.ToArray()));
                while (_reader.TryRead(ref sequence, out var message))
                {
                    _pending.RemoveRange(0, (int)sequence.Consumed);
                    sequence = new SequenceReader<byte>(new ReadOnlySequence<byte>(_pending.ToArray()));
                    if (message.TypeId == RtmpMessageType.SetChunkSize)
                        _reader.ChunkSize = BinaryPrimitives.ReadInt32BigEndian(message.Payload.Span);
                    if (match(message))
                        return message;
                }
                var buffer = new byte[8192];
                var read = await socket.ReceiveAsync(buffer);
                Assert.True(read > 0, "client closed");
                _pending.AddRange(buffer.AsSpan(0, read).ToArray());
            }
        }

        private async Task<byte[]> ReceiveExactlyAsync(int count)
        {
            var buffer = new byte[count];
            for (var got = 0; got < count;)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(got));
                Assert.True(read > 0);
                got += read;
            }
            return buffer;
        }
    }

    private static byte[] UInt32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    [Fact]
    public async Task Connect_ServerSetsWindowChunkSizeAndPings_ClientAcksAndPongs()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serverTask = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            var server = new ScriptedServer(socket);
            await server.HandshakeAsync();
            var connect = await server.ReceiveAsync(m => m.TypeId == RtmpMessageType.CommandAmf0);
            var values = Amf0Reader.ReadAll(connect.Payload.Span);
            Assert.Equal("connect", values[0]);
            Assert.Equal("live", ((AmfObject)values[2]!).GetString("app"));
            Assert.Equal($"rtmp://127.0.0.1:{port}/live", ((AmfObject)values[2]!).GetString("tcUrl"));

            await server.SendAsync(RtmpMessageType.WindowAckSize, 0, UInt32(1000));
            await server.SendAsync(RtmpMessageType.SetChunkSize, 0, UInt32(4096));
            server.UseChunkSize(4096);
            await server.SendAsync(RtmpMessageType.UserControl, 0, [0, 6, 0, 0, 0x12, 0x34]); // PingRequest
            await server.SendAsync(RtmpMessageType.CommandAmf0, 0,
                Amf0Writer.Encode("_result", (double)values[1]!, new AmfObject { ["fmsVer"] = "FMS/3,0,1,123" },
                    new AmfObject { ["code"] = "NetConnection.Connect.Success" }), chunkStream: 3);
            var pong = await server.ReceiveAsync(m => m.TypeId == RtmpMessageType.UserControl);
            Assert.Equal(new byte[] { 0, 7, 0, 0, 0x12, 0x34 }, pong.Payload.ToArray());

            var createStream = await server.ReceiveAsync(m => m.TypeId == RtmpMessageType.CommandAmf0);
            var create = Amf0Reader.ReadAll(createStream.Payload.Span);
            Assert.Equal("createStream", create[0]);
            await server.SendAsync(RtmpMessageType.CommandAmf0, 0, Amf0Writer.Encode("_result", (double)create[1]!, null, 1.0), chunkStream: 3);

            // 3000 bytes in one 4096-size chunk: more than the 1000-byte window, so an Acknowledgement follows.
            await server.SendAsync(RtmpMessageType.Audio, 1, new byte[3000], chunkStream: 4);
            var ack = await server.ReceiveAsync(m => m.TypeId == RtmpMessageType.Acknowledgement);
            Assert.True(BinaryPrimitives.ReadUInt32BigEndian(ack.Payload.Span) >= 3000);
        });

        await using var connection = await RtmpConnection.ConnectAsync(RtmpUrl.Parse($"rtmp://127.0.0.1:{port}/live/x"));
        var media = new TaskCompletionSource<RtmpMessage>();
        connection.MediaReceived = (message, _) => media.TrySetResult(message);
        Assert.Equal(1u, await connection.CreateStreamAsync());
        await serverTask.WaitAsync(TimeSpan.FromSeconds(10));
        var audio = await media.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(3000, audio.Payload.Length);
    }

    [Fact]
    public async Task Connect_ServerAnswersError_ThrowsWithTheStatusCode()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serverTask = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            var server = new ScriptedServer(socket);
            await server.HandshakeAsync();
            var connect = await server.ReceiveAsync(m => m.TypeId == RtmpMessageType.CommandAmf0);
            var id = (double)Amf0Reader.ReadAll(connect.Payload.Span)[1]!;
            await server.SendAsync(RtmpMessageType.CommandAmf0, 0,
                Amf0Writer.Encode("_error", id, null, new AmfObject { ["level"] = "error", ["code"] = "NetConnection.Connect.Rejected", ["description"] = "bad txSecret" }),
                chunkStream: 3);
            await Task.Delay(200);
        });

        var refused = await Assert.ThrowsAsync<RtmpStatusException>(() => RtmpConnection.ConnectAsync(RtmpUrl.Parse($"rtmp://127.0.0.1:{port}/live/x?txSecret=bad")));
        Assert.Equal("NetConnection.Connect.Rejected", refused.Code);
        await serverTask;
    }

    [Theory]
    [InlineData("rtmp://127.0.0.1:1936/live/abc-a?txSecret=f0&txTime=5C271099", "127.0.0.1", 1936, "live", "abc-a?txSecret=f0&txTime=5C271099")]
    [InlineData("rtmp://localhost/live/s", "localhost", 1935, "live", "s")]
    public void RtmpUrl_SplitsAppAndStreamWithQuery(string url, string host, int port, string app, string stream)
    {
        var parsed = RtmpUrl.Parse(url);
        Assert.Equal(new RtmpUrl(host, port, app, stream), parsed);
        Assert.Equal($"rtmp://{host}:{port}/{app}", parsed.TcUrl);
    }
}
