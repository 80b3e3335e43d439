using CallMedia.Media;

namespace CallMedia.Delivery;

/// <summary>What the drop policy decided for one offered message.</summary>
internal enum DropVerdict
{
    /// <summary>Queue it.</summary>
    Queue,
    /// <summary>Drop it (counted as a drop).</summary>
    Drop,
    /// <summary>Not started yet (waiting for the first key frame): skipped, not counted.</summary>
    Skip,
    /// <summary>Past the hard bound: disconnect the viewer.</summary>
    TooSlow,
}

/// <summary>The verdict and whether queued video must go first (a fresh key frame makes it obsolete).</summary>
internal readonly record struct DropDecision(DropVerdict Verdict, bool PurgeQueuedVideo = false);

/// <summary>What the writer does with a whole (unsplittable) video message larger than the room in the pipe.</summary>
internal enum WholeMessageVerdict
{
    /// <summary>Send it now.</summary>
    Send,
    /// <summary>Keep it at the head of the queue (audio overtakes it) and look again shortly.</summary>
    Wait,
    /// <summary>Drop it; video waits for a key frame.</summary>
    Drop,
}

/// <summary>What is queued for a viewer when a message is offered (computed by the queue).</summary>
/// <param name="Bytes">Queued payload bytes.</param>
/// <param name="VideoBytes">Droppable video bytes queued.</param>
/// <param name="MediaMs">Media time queued: timestamp span from the oldest queued media message to the offered one, at most how long it waited.</param>
/// <param name="MediaMsWithoutVideo">The same once queued video is purged.</param>
/// <param name="HeadAgeMs">How long the oldest queued item that is not droppable video has waited.</param>
/// <param name="PendingVideoBytes">What the writer still has to send of a video message it sends in parts.</param>
internal readonly record struct QueueView(long Bytes, long VideoBytes, int MediaMs, int MediaMsWithoutVideo, int HeadAgeMs, long PendingVideoBytes = 0);

/// <summary>
/// The audio-first drop policy of one viewer: a pure decision per offered message from the queue's view, the link
/// estimate (<see cref="LinkEstimator"/>) and the time; no sockets, no clock, no locks (the queue calls it under its lock).
/// <list type="bullet">
/// <item>Headers and metadata are never dropped; audio only at the hard bound, where the viewer is disconnected
/// (queued video that lags that far is purged instead).</item>
/// <item>While the viewer keeps up (or its read rate is not known yet), video is admitted against the backlog:
/// disposable frames past <see cref="DropLimits.DisposableMs"/>, inter past <see cref="DropLimits.InterMs"/>, key frames
/// past <see cref="DropLimits.KeyMs"/> (a key frame first purges queued video).</item>
/// <item>On a link measured slower than the stream, video gets what the link carries beside the audio: a key frame
/// when no picture is still underway and it goes through within <see cref="PictureMs"/> at that spare rate (a fresh
/// picture every few seconds), and the frames after it only while they fit within their bounds.</item>
/// <item>After a video drop, video waits for a key frame (the writer resends the sequence header first).</item>
/// </list>
/// </summary>
internal sealed class DropPolicy(DropLimits limits, bool atomicMessages)
{
    /// <summary>The longest a key frame may take at the spare rate of a slow link, ms.</summary>
    public const int PictureMs = 4000;

    private bool _startPending;
    private bool _videoWaitKey;

    /// <summary>Messages go out whole (FLV tags): audio cannot overtake a video message once it is on the wire.</summary>
    public bool AtomicMessages => atomicMessages;

    /// <summary>True while video is suppressed until the next key frame (after a drop or a start).</summary>
    public bool VideoWaitsForKeyFrame => _videoWaitKey;

    /// <summary>Makes video wait for the next key frame (publisher switch, a whole message dropped by the writer) without counting a drop.</summary>
    public void RequireKeyFrame() => _videoWaitKey = true;

    /// <summary>Holds audio and video back until the next key frame, so both start from the same point.</summary>
    public void BeginAtKeyFrame() => _startPending = true;

    /// <summary>Releases a pending start at once (audio-only streams).</summary>
    public void StartNow() => _startPending = false;

    /// <summary>
    /// How far behind live the offered message would be: media time queued, plus the pipe at the stream rate once the
    /// viewer was found to make the writer wait (for one that keeps up, the pipe is only in flight, and its estimate is
    /// up to 100 ms old).
    /// </summary>
    public static int QueueMs(int mediaMs, LinkEstimator link)
    {
        var pipe = link.ReadRateKnown(link.Last.At) ? link.PipeBytes : 0;
        return pipe <= 0 || link.StreamBytesPerMs <= 0 ? mediaMs : (int)Math.Min(int.MaxValue, mediaMs + pipe / link.StreamBytesPerMs);
    }

    /// <summary>Decides for <paramref name="p"/> offered at <paramref name="now"/>.</summary>
    public DropDecision Decide(in MediaPacket p, in QueueView queue, LinkEstimator link, long now)
    {
        var queueMs = QueueMs(queue.MediaMs, link);
        var bytes = queue.Bytes + p.Payload.Length;

        if (p.IsEssential)
            return new(bytes > (long)limits.MaxBytes * 2 ? DropVerdict.TooSlow : DropVerdict.Queue);
        // The hard bound is the audio's (and the commands'): video that lags that far is dropped, not the viewer.
        if (QueueMs(queue.MediaMsWithoutVideo, link) > limits.HardMs || queue.HeadAgeMs > limits.HardMs)
            return new(DropVerdict.TooSlow);
        if (queueMs > limits.HardMs && queue.VideoBytes > 0)
        {
            _videoWaitKey = true;
            return new(p.IsVideo ? DropVerdict.Drop : DropVerdict.Queue, PurgeQueuedVideo: true);
        }

        if (_startPending)
        {
            if (p.Class != FrameClass.KeyFrame)
                return new(DropVerdict.Skip);
            _startPending = false;
            _videoWaitKey = false;
        }

        if (p.IsAudio)
            return new(bytes > limits.MaxBytes ? DropVerdict.TooSlow : DropVerdict.Queue);
        if (!p.IsVideo)
            return new(DropVerdict.Queue);
        if (_videoWaitKey && p.Class != FrameClass.KeyFrame)
            return new(DropVerdict.Drop);

        var threshold = p.Class switch
        {
            FrameClass.DisposableFrame => limits.DisposableMs,
            FrameClass.KeyFrame => limits.KeyMs,
            _ => limits.InterMs,
        };
        var key = p.Class == FrameClass.KeyFrame;
        bool over;
        var purge = false;
        if (link.SlowLink(now))
        {
            // Beside the audio: a key frame that goes through within PictureMs after the message being sent (queued
            // video is obsolete then), and the frames after it while they fit within their bound.
            var spare = link.SpareBytesPerMs(now);
            var ahead = queue.PendingVideoBytes + (key ? 0 : queue.VideoBytes);
            over = spare <= 0 || (ahead + p.Payload.Length) / spare > (key ? PictureMs : threshold) || bytes > limits.MaxBytes;
            if (atomicMessages)
                over |= p.Payload.Length / link.ReadBytesPerMs > limits.DisposableMs; // a whole tag holds the audio behind it
            // Queued video is obsolete behind a key frame, and cannot be followed after a drop.
            purge = key || over;
        }
        else
        {
            over = queueMs > threshold || bytes > limits.MaxBytes;
            if (over && key)
            {
                // A fresh key frame makes every queued video frame obsolete: without them, does it fit?
                purge = true;
                over = QueueMs(queue.MediaMsWithoutVideo, link) > threshold || bytes - queue.VideoBytes > limits.MaxBytes;
            }
        }
        if (over)
        {
            _videoWaitKey = true;
            return new(DropVerdict.Drop, purge);
        }
        if (key)
            _videoWaitKey = false;
        return new(DropVerdict.Queue, purge);
    }

    /// <summary>
    /// For a writer that cannot split messages (FLV): a video message of <paramref name="size"/> bytes is at the head and
    /// the pipe has only <paramref name="room"/> bytes of room. Send it when the peer can take it all at once and nothing
    /// says the link is slow (the pipe is empty, the peer's buffer holds it); drop it on a link measured too slow for it
    /// (audio would wait behind it longer than <see cref="DropLimits.DisposableMs"/>) or after it waited
    /// <see cref="DropLimits.KeyMs"/>; else wait (audio overtakes it meanwhile).
    /// </summary>
    public WholeMessageVerdict DecideWhole(int size, int room, int waitedMs, LinkEstimator link, long now)
    {
        if (size <= room)
            return WholeMessageVerdict.Send;
        if (link.ReadRateKnown(now) && size / link.ReadBytesPerMs > limits.DisposableMs)
            return WholeMessageVerdict.Drop;
        if (link.PipeBytes <= 0 && (link.PeerBufferBytes <= 0 || size <= link.PeerBufferBytes))
            return WholeMessageVerdict.Send;
        return waitedMs > limits.KeyMs ? WholeMessageVerdict.Drop : WholeMessageVerdict.Wait;
    }
}
