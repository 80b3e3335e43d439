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
    private readonly object _lock = new();
    private readonly List<Viewer> _viewers = new();
    private readonly List<MediaPacket> _gop = new();
    private MediaPacket? _metadata;
    private MediaPacket? _audioHeader;
    private MediaPacket? _videoHeader;
    private bool _metadataSaysAudio;
    private bool _metadataSaysVideo;
    private long _gopKeyAt;

    // Reconnect continuity (issue 4 §5): outgoing timestamps continue across publishers.
    private bool _everPublished;
    private bool _rebasePending;
    private uint _offset;
    private uint _lastOutTs;
    private long _lastOutAt;

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

    public bool IsUnused { get { lock (_lock) return Publisher is null && _viewers.Count == 0; } }

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
                _rebasePending = true;
                foreach (var viewer in _viewers)
                    viewer.Queue.RequireKeyFrame();
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
    /// Adds a viewer. With a live publisher it gets metadata and sequence headers at once, then the latest
    /// GOP when its key frame is younger than <paramref name="maxStartLatencyMs"/>, else waits for the next key frame.
    /// </summary>
    public void AttachViewer(Viewer viewer, int maxStartLatencyMs)
    {
        lock (_lock)
        {
            _viewers.Add(viewer);
            if (Publisher is null)
            {
                viewer.StartPending = true;
                viewer.Queue.BeginAtKeyFrame();
                return;
            }
            var startFromGop = HasVideo && _gop.Count > 0 && _time.GetMilliseconds() - _gopKeyAt <= maxStartLatencyMs;
            // Headers carry the timestamp where this viewer starts, not the publish time (0 for a stream that runs
            // for minutes): players then see one continuous timeline.
            var stamp = startFromGop ? _gop[0].Timestamp : _lastOutTs;
            foreach (var header in new[] { _metadata, _audioHeader, _videoHeader })
            {
                if (header is { } h)
                {
                    var stamped = h with { Timestamp = stamp };
                    viewer.Queue.Offer(stamped);
                }
            }
            if (!HasVideo)
                return;
            if (startFromGop)
            {
                foreach (var packet in _gop)
                    viewer.Queue.Offer(packet);
            }
            else
            {
                viewer.StartPending = true;
                viewer.Queue.BeginAtKeyFrame();
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
