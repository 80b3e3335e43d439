using System.Buffers.Binary;
using System.Net.Sockets;
using CallMedia.Relay;
using CallMedia.Rtmp.Amf0;
using CallMedia.Rtmp.Chunks;

namespace CallMedia.Rtmp.Session;

internal sealed partial class RtmpSession
{
    private const int ProtocolChunkStream = 2;
    private const int CommandChunkStream = 3;
    private const int MaxBatchBytes = 256 * 1024;
    private const int MaxBatchItems = 64;
    private readonly byte[] _abortPayload = new byte[4];

    /// <summary>
    /// Drains the queue: what is already queued goes out in one gather write (headers from scratch, payloads
    /// in place), no more than the kernel budget allows. A video message larger than the room left is sent a
    /// few chunks at a time, and audio queued meanwhile overtakes its remaining chunks (another chunk stream),
    /// so a key frame on a slow link does not hold the audio behind it. Ends when the queue completes (then
    /// closes the connection) or the connection dies.
    /// </summary>
    private async Task RunWriterAsync()
    {
        await Task.Yield();
        var batch = new List<OutboundItem>(MaxBatchItems);
        using var builder = new SegmentBuilder();
        OutboundItem pendingItem = default;
        ChunkWriter.PartialMessage pending = default;
        var hasPending = false;
        try
        {
            while (hasPending || await _queue.WaitAsync(_cts.Token).ConfigureAwait(false))
            {
                var room = await WaitForKernelRoomAsync().ConfigureAwait(false);
                if (hasPending && _queue.TakeAbortPendingVideo())
                {
                    // The link is full: the rest of this video message would sit ahead of the audio. Abort it
                    // (RTMP spec §5.4.2); video resumes at a key frame.
                    BinaryPrimitives.WriteUInt32BigEndian(_abortPayload, (uint)pendingItem.ChunkStreamId);
                    _out.Write(builder, ProtocolChunkStream, RtmpMessageType.Abort, 0, 0, new ArraySegment<byte>(_abortPayload));
                    _out.Forget(pendingItem.ChunkStreamId);
                    hasPending = false;
                    batch.Add(pendingItem); // released with the batch
                }
                if (hasPending)
                {
                    _queue.DrainAudio(batch, room, MaxBatchItems);
                    room -= WriteWhole(builder, batch, 0);
                    _out.Continue(builder, ref pending, Math.Max(room, 1));
                    if (pending.Done)
                    {
                        hasPending = false;
                        batch.Add(pendingItem); // released with the batch
                    }
                }
                else
                {
                    // Audio first: queued audio overtakes queued video (other chunk streams), then the rest in order.
                    _queue.DrainAudio(batch, Math.Min(room, MaxBatchBytes), MaxBatchItems);
                    room -= WriteWhole(builder, batch, 0);
                    var first = batch.Count;
                    if (room > 0 || first == 0)
                        _queue.Drain(batch, Math.Min(Math.Max(room, 1), MaxBatchBytes), MaxBatchItems);
                    for (var i = first; i < batch.Count; i++)
                    {
                        var item = batch[i];
                        if (item.Type == RtmpMessageType.Video && item.Payload.Length > Math.Max(room, _out.ChunkSize))
                        {
                            pendingItem = item;
                            pending = _out.Begin(builder, item.ChunkStreamId, item.Type, item.Timestamp, item.StreamId,
                                item.Payload.Segment(0, item.Payload.Length), Math.Max(room, 1));
                            hasPending = !pending.Done;
                            _queue.Requeue(batch, i + 1);
                            if (hasPending)
                                batch.RemoveAt(i); // stays referenced by pendingItem until its last chunk is out
                            break;
                        }
                        room -= WriteOne(builder, item);
                    }
                }
                _queue.OnWritten(builder.TotalBytes);
                _queue.WriterHasPendingVideo = hasPending;
                try
                {
                    await SendSegmentsAsync(builder.Segments).ConfigureAwait(false);
                }
                finally
                {
                    foreach (var item in batch)
                        item.Payload.Release();
                    batch.Clear();
                    builder.Reset();
                }
            }
            // Completed (end of stream sent, or refused): close the connection.
            _closeReason ??= _queue.CompletionReason;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            // Connection closing.
            LogWriterEnded(SessionId, ex.GetType().Name, ex.Message);
        }
        catch (Exception ex)
        {
            _closeReason ??= "internal_error";
            LogFailed(ex, SessionId, StreamLabel);
        }
        finally
        {
            if (hasPending)
                pendingItem.Payload.Release();
            Abort();
        }
    }

    private int WriteWhole(SegmentBuilder builder, List<OutboundItem> items, int from)
    {
        var bytes = 0;
        for (var i = from; i < items.Count; i++)
            bytes += WriteOne(builder, items[i]);
        return bytes;
    }

    private int WriteOne(SegmentBuilder builder, OutboundItem item)
    {
        _out.Write(builder, item.ChunkStreamId, item.Type, item.Timestamp, item.StreamId, item.Payload.Segment(0, item.Payload.Length));
        if (item.Type == RtmpMessageType.SetChunkSize)
            _out.ChunkSize = (int)BinaryPrimitives.ReadUInt32BigEndian(item.Payload.Span);
        return item.Payload.Length;
    }

    /// <summary>One gather write; very large messages (thousands of chunks) go in slices below IOV_MAX (1024).</summary>
    private async Task SendSegmentsAsync(List<ArraySegment<byte>> segments)
    {
        const int MaxSegmentsPerSend = 512;
        if (segments.Count <= MaxSegmentsPerSend)
        {
            await _socket.SendAsync(segments, SocketFlags.None).ConfigureAwait(false);
            return;
        }
        for (var i = 0; i < segments.Count; i += MaxSegmentsPerSend)
            await _socket.SendAsync(segments.GetRange(i, Math.Min(MaxSegmentsPerSend, segments.Count - i)), SocketFlags.None).ConfigureAwait(false);
    }

    private ValueTask<int> WaitForKernelRoomAsync() =>
        _viewer is null ? ValueTask.FromResult(MaxBatchBytes) : KernelRoom.WaitAsync(_socket, _queue, _cts.Token);

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Debug, Message = "RTMP session {SessionId}: writer ended ({Error}: {Detail})")]
    private partial void LogWriterEnded(long sessionId, string error, string detail);

    private void SendControl(RtmpMessageType type, ReadOnlySpan<byte> payload) =>
        _queue.EnqueueControl(OutboundItem.Control(type, ProtocolChunkStream, payload));

    private void SendUserControl(UserControlEvent kind, uint value)
    {
        Span<byte> payload = stackalloc byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)kind);
        BinaryPrimitives.WriteUInt32BigEndian(payload[2..], value);
        SendControl(RtmpMessageType.UserControl, payload);
    }

    private void SendCommand(uint streamId, params object?[] values) =>
        _queue.EnqueueControl(OutboundItem.Control(RtmpMessageType.CommandAmf0, CommandChunkStream, Amf0Writer.Encode(values), streamId));

    private void SendData(uint streamId, params object?[] values) =>
        _queue.EnqueueControl(OutboundItem.Control(RtmpMessageType.DataAmf0, RtmpChunkLayout.DataChunkStream, Amf0Writer.Encode(values), streamId));

    /// <summary><c>onStatus</c> on a stream (level <c>status</c> or <c>error</c>).</summary>
    private void SendStatus(uint streamId, string level, string code, string description) =>
        SendCommand(streamId, "onStatus", 0.0, null, new AmfObject
        {
            { "level", level },
            { "code", code },
            { "description", description },
        });

    private static byte[] BigEndian(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>Sends what is queued, then closes (refusals): the writer ends when the queue completes.</summary>
    private void CloseAfterFlush(string reason)
    {
        _closeReason ??= reason;
        _queue.Complete(reason);
        _ = Task.Delay(500).ContinueWith(_ => Abort(), TaskScheduler.Default);
    }
}
