using CallMedia.Media;
using CallMedia.Recording;

namespace CallMedia.Relay;

/// <summary>
/// The evidence taps on a stream (<see cref="Control.IRelayRecorder"/>): one recording, fed under the stream's lock
/// like a viewer but never dropped by the viewers' policy, and a copy of the latest GOP for a capture.
/// </summary>
internal sealed partial class RelayStream
{
    private StreamRecording? _recording;
    private readonly GopCopy _capture = new();
    private int _latestGopMaxBytes = 4 * 1024 * 1024;

    /// <summary>Bytes of the latest GOP kept for a capture (from <c>Media:LatestGopMaxBytes</c>; 0: none kept).</summary>
    public int LatestGopMaxBytes
    {
        set => _latestGopMaxBytes = value;
    }

    /// <summary>
    /// Makes <paramref name="recording"/> the stream's recording (false when one runs). On a live stream it starts with
    /// the current metadata and sequence headers, then the latest key frame held and everything after it (so it is
    /// decodable from its first frame and misses nothing from now on); else with whatever the publisher sends first
    /// (audio at once, video from its next key frame).
    /// </summary>
    public bool TryAttachRecording(StreamRecording recording)
    {
        lock (_lock)
        {
            if (_recording is not null)
                return false;
            _recording = recording;
            if (Publisher is null)
                return true;
            foreach (var header in new[] { _metadata, _audioHeader, _videoHeader })
            {
                if (header is { } h)
                    recording.Offer(h);
            }
            var gop = LatestGopPackets();
            if (gop.Length > 0 && gop[0].Class == FrameClass.KeyFrame)
            {
                recording.BeginAt(FirstTimestamp(gop), _time.GetMilliseconds() - _gopKeyAt);
                foreach (var packet in gop)
                    recording.Offer(packet);
            }
            foreach (var packet in gop)
                packet.Payload.Release();
            return true;
        }
    }

    /// <summary>Takes <paramref name="recording"/> off the stream (no-op when it is not the stream's recording).</summary>
    public bool DetachRecording(StreamRecording recording)
    {
        lock (_lock)
        {
            if (!ReferenceEquals(_recording, recording))
                return false;
            _recording = null;
            return true;
        }
    }

    /// <summary>
    /// The metadata, sequence headers and latest GOP (its key frame first), each with a payload reference the caller
    /// releases (<see cref="LatestGop.Dispose"/>); null when there is no publisher or no key frame held.
    /// </summary>
    public LatestGop? CaptureLatestGop()
    {
        lock (_lock)
        {
            if (Publisher is null)
                return null;
            var frames = LatestGopPackets();
            if (frames.Length == 0 || frames[0].Class != FrameClass.KeyFrame)
            {
                foreach (var frame in frames)
                    frame.Payload.Release();
                return null;
            }
            return new LatestGop(Retained(_metadata), Retained(_audioHeader), Retained(_videoHeader), frames, FirstTimestamp(frames));
        }
    }

    /// <summary>
    /// The latest GOP, one payload reference each for the caller: the copy when one is kept (the whole GOP), else the
    /// young GOP viewers start from (<c>LatestGopMaxBytes</c> = 0).
    /// </summary>
    private MediaPacket[] LatestGopPackets() =>
        _capture.StartsAtKeyFrame ? _capture.ToPackets() : [.. _gop.Select(p => p with { Payload = p.Payload.Retain() })];

    /// <summary>The lowest timestamp of a GOP: audio interleaved slightly before the key frame's timestamp may follow it.</summary>
    private static uint FirstTimestamp(IReadOnlyList<MediaPacket> gop)
    {
        var first = gop[0].Timestamp;
        foreach (var packet in gop)
        {
            if (unchecked((int)(packet.Timestamp - first)) < 0)
                first = packet.Timestamp;
        }
        return first;
    }

    private static MediaPacket? Retained(MediaPacket? packet) =>
        packet is { } p ? p with { Payload = p.Payload.Retain() } : null;
}
