using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using CallMedia.Rtmp.Amf0;
using CallMedia.Rtmp.Chunks;

namespace CallMedia.Tests.Loopback;

/// <summary>A message the test client received, with its arrival time.</summary>
internal sealed record Received(RtmpMessageType Type, uint Timestamp, uint StreamId, byte[] Payload, long ArrivedAt)
{
    public List<object?> Amf => Amf0Reader.ReadAll(Payload);

    public string? CommandName => Type is RtmpMessageType.CommandAmf0 or RtmpMessageType.DataAmf0 && Payload.Length > 0 ? Amf[0] as string : null;

    public string? StatusCode => CommandName == "onStatus" && Amf.Count > 3 && Amf[3] is AmfObject o ? o.GetString("code") : null;
}

/// <summary>
/// A small RTMP client for relay tests (plain handshake, AMF0 commands, raw media), built on the relay's own
/// chunk codec. Optional throttled reading (small receive buffer, capped bytes per second) makes a slow viewer.
/// </summary>
internal sealed class MiniRtmpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly ChunkWriter _writer = new();
    private readonly ChunkReader _reader = new(16 * 1024 * 1024);
    private readonly Channel<Received> _inbox = Channel.CreateUnbounded<Received>();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private Task? _readLoop;
    private double _txn;

    private MiniRtmpClient(Socket socket) => _socket = socket;

    public uint StreamId { get; private set; }

    /// <summary>Bytes per second the reader consumes at most (0 = unlimited).</summary>
    public int ReadBytesPerSecond { get; init; }

    public Socket Socket => _socket;

    public Task ReadLoop => _readLoop ?? Task.CompletedTask;

    public static async Task<MiniRtmpClient> ConnectTcpAsync(IPEndPoint endPoint, int receiveBuffer = 0, int readBytesPerSecond = 0)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBuffer > 0)
            socket.ReceiveBufferSize = receiveBuffer;
        await socket.ConnectAsync(endPoint);
        return new MiniRtmpClient(socket) { ReadBytesPerSecond = readBytesPerSecond };
    }

    /// <summary>TCP connect, plain handshake, connect(app) → waits for NetConnection.Connect.Success.</summary>
    public static async Task<MiniRtmpClient> ConnectAsync(IPEndPoint endPoint, string app = "live", int receiveBuffer = 0, int readBytesPerSecond = 0)
    {
        var client = await ConnectTcpAsync(endPoint, receiveBuffer, readBytesPerSecond);
        await client.HandshakeAsync();
        client.StartReading();
        await client.SendAsync(3, RtmpMessageType.CommandAmf0, 0, 0, Amf0Writer.Encode("connect", ++client._txn,
            new AmfObject { { "app", app }, { "tcUrl", $"rtmp://{endPoint}/{app}" }, { "objectEncoding", 0.0 } }));
        var reply = await client.WaitForAsync(m => m.CommandName is "_result" or "_error");
        if (reply.CommandName != "_result")
            throw new InvalidOperationException("connect refused");
        return client;
    }

    public async Task HandshakeAsync()
    {
        var c0c1 = new byte[1537];
        c0c1[0] = 3;
        Random.Shared.NextBytes(c0c1.AsSpan(9));
        await _socket.SendAsync(c0c1);
        var s0s1s2 = new byte[3073];
        await ReceiveExactlyAsync(s0s1s2);
        await _socket.SendAsync(s0s1s2.AsMemory(1, 1536));
    }

    private async Task ReceiveExactlyAsync(byte[] buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await _socket.ReceiveAsync(buffer.AsMemory(read));
            if (n == 0) throw new IOException("closed");
            read += n;
        }
    }

    public void StartReading() => _readLoop = Task.Run(ReadLoopAsync);

    public async Task<uint> CreateStreamAsync()
    {
        await SendCommandAsync(0, "createStream");
        var reply = await WaitForAsync(m => m.CommandName == "_result" && m.Amf.Count > 3 && m.Amf[3] is double);
        StreamId = (uint)(double)reply.Amf[3]!;
        return StreamId;
    }

    /// <summary>createStream + publish; returns the onStatus code.</summary>
    public async Task<string?> PublishAsync(string streamWithQuery)
    {
        var id = await CreateStreamAsync();
        await SendCommandAsync(id, "publish", streamWithQuery, "live");
        return (await WaitForAsync(m => m.StatusCode is not null)).StatusCode;
    }

    /// <summary>createStream + play; returns the first onStatus code (Play.Reset, or an error).</summary>
    public async Task<string?> PlayAsync(string streamWithQuery)
    {
        var id = await CreateStreamAsync();
        await SendCommandAsync(id, "play", streamWithQuery, -2.0);
        return (await WaitForAsync(m => m.StatusCode is not null)).StatusCode;
    }

    public Task SendCommandAsync(uint streamId, string name, params object?[] args) =>
        SendAsync(3, RtmpMessageType.CommandAmf0, 0, streamId, Amf0Writer.Encode([name, ++_txn, null, .. args]));

    public Task SendMediaAsync(RtmpMessageType type, uint timestamp, byte[] payload) =>
        SendAsync(type == RtmpMessageType.Audio ? 4 : type == RtmpMessageType.Video ? 6 : 5, type, timestamp, StreamId, payload);

    public async Task SendAsync(int csid, RtmpMessageType type, uint timestamp, uint streamId, byte[] payload)
    {
        await _sendLock.WaitAsync();
        try
        {
            using var builder = new SegmentBuilder();
            _writer.Write(builder, csid, type, timestamp, streamId, new ArraySegment<byte>(payload));
            await _socket.SendAsync(builder.Segments, SocketFlags.None);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public Task SendRawAsync(byte[] bytes) => _socket.SendAsync(bytes);

    /// <summary>Why the read loop ended (for failure messages).</summary>
    public string? EndReason { get; private set; }

    public async Task<Received> WaitForAsync(Func<Received, bool> match, int timeoutMs = 5000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            while (true)
            {
                var message = await _inbox.Reader.ReadAsync(cts.Token);
                if (match(message))
                    return message;
            }
        }
        catch (ChannelClosedException ex)
        {
            throw new IOException($"connection ended before the awaited message: {EndReason}", ex.InnerException ?? ex);
        }
    }

    /// <summary>Returns everything received so far without waiting.</summary>
    public List<Received> Drain()
    {
        var list = new List<Received>();
        while (_inbox.Reader.TryRead(out var m))
            list.Add(m);
        return list;
    }

    public async Task<Received?> NextAsync(int timeoutMs)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            return await _inbox.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>True once the server closed the connection (the read loop ended).</summary>
    public bool Closed => _readLoop?.IsCompleted ?? false;

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[256 * 1024];
        var start = 0;
        var end = 0;
        var readStarted = Environment.TickCount64;
        long totalRead = 0;
        try
        {
            while (true)
            {
                var max = buffer.Length - end;
                if (ReadBytesPerSecond > 0)
                {
                    max = Math.Min(max, Math.Max(256, ReadBytesPerSecond / 20));
                    var allowedAt = readStarted + totalRead * 1000 / ReadBytesPerSecond;
                    var wait = allowedAt - Environment.TickCount64;
                    if (wait > 0)
                        await Task.Delay((int)wait);
                }
                var n = await _socket.ReceiveAsync(buffer.AsMemory(end, max));
                if (n == 0)
                {
                    EndReason = "server closed";
                    break;
                }
                totalRead += n;
                end += n;
                var sequence = new ReadOnlySequence<byte>(buffer, start, end - start);
                var reader = new SequenceReader<byte>(sequence);
                while (_reader.TryRead(ref reader, out var m))
                {
                    var payload = m.Payload.Span.ToArray();
                    m.Payload.Release();
                    if (m.Type == RtmpMessageType.SetChunkSize)
                        _reader.SetChunkSize(BinaryPrimitives.ReadUInt32BigEndian(payload));
                    _inbox.Writer.TryWrite(new Received(m.Type, m.Timestamp, m.StreamId, payload, Environment.TickCount64));
                }
                start += (int)reader.Consumed;
                if (start == end)
                    start = end = 0;
                else if (end == buffer.Length)
                {
                    Array.Copy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            EndReason = ex.GetType().Name + ": " + ex.Message;
            _inbox.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            // A protocol error on our side must fail the test with its cause, not look like a closed connection.
            _inbox.Writer.TryComplete(ex);
        }
        finally
        {
            _inbox.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        if (_readLoop is not null)
            await _readLoop;
        _reader.Dispose();
    }
}
