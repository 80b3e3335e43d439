using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using CallMedia.Rtmp.Chunks;
using RtmpTestClient.Amf;
using RtmpTestClient.Rtmp;
using TestClientMessage = RtmpTestClient.Chunking.RtmpMessage;

namespace CallMedia.Tests.Loopback;

/// <summary>A message the test client received (payload copied), with its arrival time (<see cref="Environment.TickCount64"/>).</summary>
internal sealed record Received(RtmpMessageType Type, uint Timestamp, uint StreamId, byte[] Payload, long ArrivedAt)
{
    public List<object?> Amf => Amf0Reader.ReadAll(Payload);

    public string? CommandName => Type is RtmpMessageType.CommandAmf0 or RtmpMessageType.DataAmf0 && Payload.Length > 0 ? Amf[0] as string : null;

    public string? StatusCode => CommandName == "onStatus" && Amf.Count > 3 && Amf[3] is AmfObject o ? o.GetString("code") : null;
}

/// <summary>
/// The relay tests' view of one RTMP connection of the project's test client (<c>tests/RtmpTestClient</c>, independent of
/// the relay's protocol code): every received message in an inbox (with payloads, for frame indices and AMF replies),
/// publish/play returning the first status code, raw media and commands, and raw bytes for hardening cases.
/// </summary>
internal sealed class RtmpPeer : IAsyncDisposable
{
    private readonly Channel<Received> _inbox = Channel.CreateUnbounded<Received>();
    private readonly List<uint> _ackWindows = [];
    private RtmpConnection _connection = null!;

    private RtmpPeer()
    {
    }

    public uint StreamId { get; private set; }

    /// <summary>Completes when the connection ended (the server closed it, or it failed).</summary>
    public Task ReadLoop => _connection.Closed;

    /// <summary>True once the server closed the connection.</summary>
    public bool Closed => _connection.Closed.IsCompleted;

    /// <summary>Why the connection ended (for failure messages).</summary>
    public string? EndReason => _connection.Closed.IsCompleted ? _connection.Closed.Result?.Message ?? "server closed" : null;

    /// <summary>TCP connect, handshake, connect(app); a small receive buffer and a read cap make a slow viewer.</summary>
    public static async Task<RtmpPeer> ConnectAsync(IPEndPoint endPoint, string app = "live", int receiveBuffer = 0, int readBytesPerSecond = 0)
    {
        var peer = new RtmpPeer();
        var options = new RtmpConnectionOptions
        {
            ReceiveBufferSize = receiveBuffer > 0 ? receiveBuffer : null,
            MaxReadBytesPerSecond = readBytesPerSecond > 0 ? readBytesPerSecond : null,
            MessageObserver = peer.OnMessage,
        };
        peer._connection = await RtmpConnection.ConnectAsync(new RtmpUrl(endPoint.Address.ToString(), endPoint.Port, app, "-"), options);
        _ = peer._connection.Closed.ContinueWith(_ => peer._inbox.Writer.TryComplete(), TaskScheduler.Default);
        return peer;
    }

    private void OnMessage(TestClientMessage message, long arrivalTicks)
    {
        if (message.TypeId == (byte)RtmpMessageType.WindowAckSize && message.Payload.Length >= 4)
        {
            lock (_ackWindows)
                _ackWindows.Add(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(message.Payload.Span));
        }
        _inbox.Writer.TryWrite(new Received((RtmpMessageType)message.TypeId, message.Timestamp, message.StreamId,
            message.Payload.ToArray(), Environment.TickCount64));
    }

    /// <summary>Every Window Acknowledgement Size the server announced (RTMP spec §5.4.4), in order, whether or not a wait consumed the message.</summary>
    public IReadOnlyList<uint> AckWindows
    {
        get
        {
            lock (_ackWindows)
                return [.. _ackWindows];
        }
    }

    /// <summary>createStream + publish; returns the onStatus code.</summary>
    public async Task<string?> PublishAsync(string streamWithQuery)
    {
        StreamId = await _connection.CreateStreamAsync();
        await _connection.SendCommandAsync(StreamId, "publish", 0, null, streamWithQuery, "live");
        return (await WaitForAsync(m => m.StatusCode is not null)).StatusCode;
    }

    /// <summary>createStream + play; returns the first onStatus code (Play.Reset, or an error).</summary>
    public async Task<string?> PlayAsync(string streamWithQuery)
    {
        StreamId = await _connection.CreateStreamAsync();
        await _connection.SendCommandAsync(StreamId, "play", 0, null, streamWithQuery, -2.0);
        return (await WaitForAsync(m => m.StatusCode is not null)).StatusCode;
    }

    public Task SendCommandAsync(uint streamId, string name, params object?[] args) =>
        _connection.SendCommandAsync(streamId, name, 0, null, args);

    public Task SendMediaAsync(RtmpMessageType type, uint timestamp, byte[] payload) =>
        SendAsync(type == RtmpMessageType.Audio ? 4 : type == RtmpMessageType.Video ? 6 : 5, type, timestamp, StreamId, payload);

    public async Task SendAsync(int csid, RtmpMessageType type, uint timestamp, uint streamId, byte[] payload) =>
        await _connection.SendAsync(new TestClientMessage(csid, (byte)type, streamId, timestamp, payload));

    /// <summary>Bytes as they are (malformed chunks), between whole messages.</summary>
    public Task SendRawAsync(byte[] bytes) => _connection.SendRawAsync(bytes);

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
            throw new IOException($"connection ended before the awaited message: {EndReason}", ex);
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
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            return null;
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

/// <summary>Raw sockets for hardening cases that are not an RTMP client: garbage, silence, a handshake and no connect.</summary>
internal static class RawSocket
{
    public static async Task<Socket> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        return socket;
    }

    /// <summary>Connects and completes the plain handshake (the test client's), nothing more.</summary>
    public static async Task<Socket> ConnectWithHandshakeAsync(IPEndPoint endPoint)
    {
        var socket = await ConnectAsync(endPoint);
        using var cts = new CancellationTokenSource(5000);
        await RtmpHandshake.PerformAsync(socket, cts.Token);
        return socket;
    }

    /// <summary>One AMF0 command on chunk stream 3 in a single type-0 chunk (payload ≤ 128 bytes).</summary>
    public static byte[] CommandChunk(params object?[] values)
    {
        var payload = Amf0Writer.Encode(values);
        if (payload.Length > 128)
            throw new ArgumentException("one chunk only", nameof(values));
        return [0x03, 0, 0, 0, (byte)(payload.Length >> 16), (byte)(payload.Length >> 8), (byte)payload.Length, 0x14, 0, 0, 0, 0, .. payload];
    }

    /// <summary>True when the server closes (or resets) the connection within the timeout.</summary>
    public static async Task<bool> ServerClosesAsync(Socket socket, int timeoutMs)
    {
        var buffer = new byte[8192];
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            while (true)
            {
                if (await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) == 0)
                    return true;
            }
        }
        catch (SocketException)
        {
            return true; // reset
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
