using CallMedia.Media;

namespace CallMedia.Relay;

/// <summary>
/// The stream's outgoing timeline. Viewers stay on a stream while its publisher reconnects, so the timestamps they
/// get continue across publishers: the new publisher's first frame follows the last one sent by one frame duration,
/// without a jump backwards (decoders and muxers reject it) and without a hole the length of the outage (a player
/// such as mpegts.js stalls at a hole in its buffer and stays that far behind live).
/// <c>onMetaData</c> always goes out at timestamp 0, as nginx-rtmp sends it (see <see cref="OfferStart"/>).
/// </summary>
internal sealed partial class RelayStream
{
    private const uint MaxFrameDurationMs = 1000;

    private bool _rebasePending;
    private bool _anySent;
    private uint _offset;
    private uint _lastOutTs;
    private uint _lastAudioTs;
    private uint _lastVideoTs;
    private uint _audioFrameMs;
    private uint _videoFrameMs;
    private bool _audioMayStepBack;
    private bool _videoMayStepBack;

    /// <summary>
    /// Maps a publisher timestamp to the stream's timeline. After a publisher switch the offset is fixed by the new
    /// publisher's first audio or video frame (its headers and metadata may carry 0 while its frames start later);
    /// until then its headers go out at the continuation point.
    /// </summary>
    private uint OutgoingTimestamp(in MediaPacket packet)
    {
        if (packet.Class == FrameClass.Metadata)
            return 0;
        var isFrame = !packet.IsEssential && packet.Class != FrameClass.Data;
        if (_rebasePending)
        {
            var next = unchecked(_lastOutTs + FrameDurationMs());
            if (!isFrame)
                return next;
            _rebasePending = false;
            _offset = unchecked(next - packet.Timestamp);
        }
        var result = unchecked(packet.Timestamp + _offset);
        if (isFrame)
            result = TrackFrame(packet.IsAudio, result);
        if (unchecked((int)(result - _lastOutTs)) > 0 || !_anySent)
            _lastOutTs = result;
        _anySent = true;
        return result;
    }

    /// <summary>One frame duration of the stream: the longer of the last audio and video frame intervals (at least 1 ms).</summary>
    private uint FrameDurationMs() => Math.Max(1, Math.Max(_audioFrameMs, _videoFrameMs));

    /// <summary>
    /// Notes a frame's outgoing timestamp per track; returns it, or, for a new publisher's first frames of a track that
    /// would land at or before that track's last timestamp, the last one plus 1 ms. A publisher's tracks start a little
    /// apart (the AAC encoder's priming delay shifts its video by a frame), so the track that did not fix the offset can
    /// begin up to a frame earlier than its own last timestamp: a step back libavformat reports as non-monotonous DTS.
    /// </summary>
    private uint TrackFrame(bool audio, uint timestamp)
    {
        ref var last = ref audio ? ref _lastAudioTs : ref _lastVideoTs;
        ref var duration = ref audio ? ref _audioFrameMs : ref _videoFrameMs;
        ref var mayStepBack = ref audio ? ref _audioMayStepBack : ref _videoMayStepBack;
        if (mayStepBack)
        {
            if (unchecked((int)(timestamp - last)) > 0)
                mayStepBack = false;
            else
                timestamp = unchecked(last + 1);
        }
        var delta = unchecked(timestamp - last);
        if (delta is > 1 and <= MaxFrameDurationMs)
            duration = delta;
        last = timestamp;
        return timestamp;
    }

    /// <summary>Called under the lock when a publisher takes over a stream that was published before.</summary>
    private void ContinueTimeline()
    {
        _rebasePending = true;
        _audioMayStepBack = _videoMayStepBack = true;
    }
}
