using CallMedia.Delivery;
using CallMedia.Media;

namespace CallMedia.Relay;

internal sealed partial class RelayStream
{
    /// <summary>
    /// Fans one message from <paramref name="session"/> out to every viewer. Takes over the caller's payload
    /// reference. Viewers past their hard bound are removed and added to <paramref name="tooSlow"/> (the caller
    /// ends them outside the lock). Messages from a session that is no longer the publisher are discarded.
    /// </summary>
    public void OnMedia(IPublisherSession session, MediaPacket packet, List<Viewer> tooSlow, bool metadataAudio = false, bool metadataVideo = false)
    {
        lock (_lock)
        {
            if (!ReferenceEquals(Publisher, session))
            {
                packet.Payload.Release();
                return;
            }
            var now = _time.GetMilliseconds();
            packet = packet with { Timestamp = Rebase(packet.Timestamp, now) };
            if (!packet.IsEssential && packet.Class != FrameClass.Data)
                LastMediaAt = now;
            StatsOnPacket(packet, now);

            switch (packet.Class)
            {
                case FrameClass.Metadata:
                    Replace(ref _metadata, packet);
                    _metadataSaysAudio = metadataAudio;
                    _metadataSaysVideo = metadataVideo;
                    break;
                case FrameClass.AudioSequenceHeader:
                    Replace(ref _audioHeader, packet);
                    StatsOnAudioHeader(packet);
                    break;
                case FrameClass.VideoSequenceHeader:
                    Replace(ref _videoHeader, packet);
                    StatsOnVideoHeader(packet);
                    break;
                case FrameClass.KeyFrame:
                    ClearGop();
                    _gop.Add(packet with { Payload = packet.Payload.Retain() });
                    _gopKeyAt = now;
                    break;
                default:
                    if (_gop.Count > 0)
                    {
                        // Only the latest GOP, and only while a viewer could still start from it.
                        if (now - _gopKeyAt <= _maxStartLatencyMs)
                            _gop.Add(packet with { Payload = packet.Payload.Retain() });
                        else
                            ClearGop();
                    }
                    break;
            }

            var startAudioOnly = packet.Class == FrameClass.Audio && !HasVideo;
            for (var i = _viewers.Count - 1; i >= 0; i--)
            {
                var viewer = _viewers[i];
                if (packet.Class == FrameClass.KeyFrame && _videoHeader is { } header && !viewer.StartPending && viewer.Queue.VideoWaitsForKeyFrame)
                {
                    // Video resumes after drops: decoder configuration first (DESIGN §4), stamped like the key frame.
                    var resend = header with { Timestamp = packet.Timestamp };
                    viewer.Queue.Offer(resend);
                }
                if (viewer.StartPending)
                {
                    if (startAudioOnly)
                        viewer.Queue.StartNow();
                    if (startAudioOnly || packet.Class == FrameClass.KeyFrame)
                        viewer.StartPending = false;
                }
                var result = viewer.Queue.Offer(packet);
                if (result is OfferResult.TooSlow or OfferResult.Closed)
                {
                    _viewers.RemoveAt(i);
                    tooSlow.Add(viewer);
                }
                else if (result == OfferResult.Dropped && packet.Class == FrameClass.Audio && !viewer.StartPending)
                    viewer.Queue.Counters.AudioDropped++;
            }
            packet.Payload.Release();
        }
    }

    private int _maxStartLatencyMs = 500;

    /// <summary>How long a key frame stays a start point (from <c>Media:MaxStartLatencyMs</c>).</summary>
    public int MaxStartLatencyMs
    {
        set => _maxStartLatencyMs = value;
    }

    private uint Rebase(uint timestamp, long now)
    {
        if (_rebasePending)
        {
            _rebasePending = false;
            // Continue from the last timestamp sent plus the wall-clock outage: no jump backwards, no gap
            // larger than the outage (issue 4 §5).
            var gap = (uint)Math.Clamp(now - _lastOutAt, 0, int.MaxValue);
            _offset = unchecked(_lastOutTs + gap - timestamp);
        }
        var result = unchecked(timestamp + _offset);
        if (unchecked((int)(result - _lastOutTs)) > 0 || _lastOutAt == 0)
            _lastOutTs = result;
        _lastOutAt = now;
        return result;
    }

    private static void Replace(ref MediaPacket? slot, MediaPacket packet)
    {
        slot?.Payload.Release();
        slot = packet with { Payload = packet.Payload.Retain() };
    }
}
