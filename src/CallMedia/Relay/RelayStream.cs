using CallMedia.Delivery;
using CallMedia.Media;

namespace CallMedia.Relay;

/// <summary>Outcome of a publish attempt on a stream.</summary>
internal enum PublishAttempt
{
    Started,
    /// <summary>A live publisher holds the stream: <c>NetStream.Publish.BadName</c>.</summary>
    Busy,
}

/// <summary>
/// One stream: its publisher, the decoder headers and metadata a joining viewer needs, the current GOP
/// while it is young enough to start from, and the viewers. All state is guarded by one lock that the
/// publisher holds only to hand packets to each viewer's queue (never to write to a socket).
/// </summary>
internal sealed partial class RelayStream(string name, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly List<Viewer> _viewers = new();
    private readonly List<MediaPacket> _gop = new();
    private MediaPacket? _metadata;
    private MediaPacket? _audioHeader;
    private MediaPacket? _videoHeader;
    private bool _metadataSaysAudio;
    private bool _metadataSaysVideo;
    private long _gopKeyAt;

    private bool _everPublished;

    public string Name { get; } = name;

    /// <summary>Set while the current publisher's stall has been reported (hub upkeep only).</summary>
    internal bool StallReported;

    /// <summary>Milliseconds (the relay's <see cref="TimeProvider"/>) of the last stats event (hub upkeep only).</summary>
    internal long LastStatsAt;

    public IPublisherSession? Publisher { get; private set; }

    /// <summary>Milliseconds (the relay's <see cref="TimeProvider"/>) of the publisher's last media message (or of its publish).</summary>
    public long LastMediaAt { get; private set; }

    /// <summary>Milliseconds (the relay's <see cref="TimeProvider"/>) since when the stream has had no publisher.</summary>
    public long NoPublisherSince { get; private set; } = (time ?? TimeProvider.System).GetMilliseconds();

    public bool HasAudio => _audioHeader is not null || _metadataSaysAudio;

    public bool HasVideo => _videoHeader is not null || _metadataSaysVideo;

    public int ViewerCount { get { lock (_lock) return _viewers.Count; } }

    /// <summary>No publisher, no viewer and no recording: the hub may forget the stream (and its timeline).</summary>
    public bool IsUnused { get { lock (_lock) return Publisher is null && _viewers.Count == 0 && _recording is null; } }

    public Viewer[] SnapshotViewers()
    {
        lock (_lock) return _viewers.ToArray();
    }

    /// <summary>
    /// Makes <paramref name="session"/> the publisher unless a live one holds the stream. A publisher silent
    /// for at least <paramref name="staleMs"/> is replaced (returned in <paramref name="replaced"/>; caller kicks it).
    /// </summary>
    public PublishAttempt TryAttachPublisher(IPublisherSession session, int staleMs, out IPublisherSession? replaced)
    {
        replaced = null;
        lock (_lock)
        {
            var now = _time.GetMilliseconds();
            if (Publisher is not null)
            {
                if (now - LastMediaAt < staleMs)
                    return PublishAttempt.Busy;
                replaced = Publisher;
                ClearPublisherState();
            }
            Publisher = session;
            LastMediaAt = now;
            StallReported = false;
            if (_everPublished)
            {
                ContinueTimeline();
                foreach (var viewer in _viewers)
                {
                    viewer.Queue.RestartAfterPublisherSwitch();
                    viewer.ResumesAfterPublisherSwitch = !viewer.StartPending;
                }
            }
            _everPublished = true;
            StatsOnPublish(session);
            return PublishAttempt.Started;
        }
    }

    /// <summary>Removes <paramref name="session"/> if it is the publisher. Viewers stay (held for a reconnect).</summary>
    public bool DetachPublisher(IPublisherSession session)
    {
        lock (_lock)
        {
            if (!ReferenceEquals(Publisher, session))
                return false;
            ClearPublisherState();
            return true;
        }
    }

    /// <summary>
    /// Adds a viewer. With a live publisher and a key frame younger than <paramref name="maxStartLatencyMs"/> it
    /// starts from that GOP at once; otherwise it waits for the next key frame (or, on an audio-only stream, the next
    /// audio message). Either way its start is preceded by <c>onMetaData</c> and the sequence headers
    /// (see <see cref="OfferStart"/>).
    /// </summary>
    public void AttachViewer(Viewer viewer, int maxStartLatencyMs)
    {
        lock (_lock)
        {
            _viewers.Add(viewer);
            var startFromGop = Publisher is not null && HasVideo && _gop.Count > 0 && _time.GetMilliseconds() - _gopKeyAt <= maxStartLatencyMs;
            if (!startFromGop)
            {
                viewer.StartPending = true;
                if (Publisher is null || HasVideo)
                    viewer.Queue.BeginAtKeyFrame();
                return;
            }
            OfferStart(viewer, FirstTimestamp(_gop));
            foreach (var packet in _gop)
                viewer.Queue.Offer(packet);
        }
    }

    /// <summary>
    /// What a viewer gets right before its first media message (stamped <paramref name="firstMediaTimestamp"/>), as
    /// nginx-rtmp's live module sends it: <c>onMetaData</c> at timestamp 0, then the audio and video sequence headers
    /// stamped with the first media timestamp. A script tag with a non-zero timestamp is not metadata to libavformat's
    /// FLV demuxer (<c>flvdec.c</c>: only a tag at dts 0 is read as header metadata) but an extra data stream that
    /// players wait for; headers stamped earlier than the media (the join time, up to a GOP before the key frame) make
    /// a remuxer start the file there.
    /// </summary>
    private void OfferStart(Viewer viewer, uint firstMediaTimestamp, bool wakeLater = false)
    {
        foreach (var header in new[] { _metadata, _audioHeader, _videoHeader })
        {
            if (header is { } h)
            {
                var stamped = h with { Timestamp = h.Class == FrameClass.Metadata ? 0 : firstMediaTimestamp };
                viewer.Queue.Offer(stamped, wakeLater);
            }
        }
    }

    public bool RemoveViewer(Viewer viewer)
    {
        lock (_lock) return _viewers.Remove(viewer);
    }

    /// <summary>Takes every viewer off the stream (for kick/end); the caller ends them.</summary>
    public Viewer[] RemoveAllViewers()
    {
        lock (_lock)
        {
            var all = _viewers.ToArray();
            _viewers.Clear();
            return all;
        }
    }

    private void ClearPublisherState()
    {
        Publisher = null;
        NoPublisherSince = _time.GetMilliseconds();
        Release(ref _metadata);
        Release(ref _audioHeader);
        Release(ref _videoHeader);
        _metadataSaysAudio = _metadataSaysVideo = false;
        ClearGop();
        _capture.Release();
        StatsOnUnpublish();
    }

    private void ClearGop()
    {
        foreach (var packet in _gop)
            packet.Payload.Release();
        _gop.Clear();
    }

    private static void Release(ref MediaPacket? packet)
    {
        packet?.Payload.Release();
        packet = null;
    }
}
