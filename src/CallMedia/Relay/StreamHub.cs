using CallMedia.Access;
using CallMedia.Control;
using CallMedia.Events;
using CallMedia.Hosting;
using CallMedia.Media;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CallMedia.Logging;

namespace CallMedia.Relay;

/// <summary>
/// All streams of the relay by name. Attach/detach go through one hub lock (rare events); media flows
/// under each stream's own lock only. Stream names are opaque here: call rules live in the access policy.
/// </summary>
internal sealed partial class StreamHub(IOptions<MediaOptions> options, MediaEventDispatcher events, ILogger<StreamHub> logger, TimeProvider? time = null)
    : IRelayControl
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, RelayStream> _streams = new(StringComparer.Ordinal);
    private readonly MediaOptions _options = options.Value;

    /// <summary>Per publisher thread: viewers that fell past the hard bound during one fan-out (no allocation per message).</summary>
    [ThreadStatic] private static List<Viewer>? t_tooSlow;

    public MediaOptions Options => _options;

    /// <summary>Bytes and drops of every connection, for the relay's metrics.</summary>
    public Stats.RelayTraffic Traffic { get; } = new();

    /// <summary>The relay's clock (queues, streams, timers).</summary>
    public TimeProvider Time => _time;

    public RelayStream? Find(string name)
    {
        lock (_lock) return _streams.GetValueOrDefault(name);
    }

    public IReadOnlyList<RelayStream> Snapshot()
    {
        lock (_lock) return _streams.Values.ToArray();
    }

    /// <summary>Starts publishing <paramref name="name"/>; replaces a stale publisher; Busy when a live one holds it.</summary>
    public PublishAttempt Publish(string name, IPublisherSession session, out RelayStream stream)
    {
        IPublisherSession? replaced;
        PublishAttempt attempt;
        lock (_lock)
        {
            stream = GetOrCreate(name);
            attempt = stream.TryAttachPublisher(session, _options.PublisherStaleMs, out replaced);
        }
        if (replaced is not null)
        {
            LogReplaced(LogText.Escape(name)!, replaced.SessionId, session.SessionId);
            replaced.Kick(DisconnectReason.Replaced);
            events.Emit(new PublishStopped(name, _time.GetUtcNow(), replaced.SessionId, DisconnectReason.Replaced.ToWire()));
        }
        if (attempt == PublishAttempt.Started)
            events.Emit(new PublishStarted(name, _time.GetUtcNow(), session.SessionId, session.Remote));
        return attempt;
    }

    /// <summary>Ends <paramref name="session"/>'s publishing of <paramref name="stream"/> (viewers are held).</summary>
    public void Unpublish(RelayStream stream, IPublisherSession session, DisconnectReason reason)
    {
        bool wasPublisher;
        lock (_lock)
        {
            wasPublisher = stream.DetachPublisher(session);
            RemoveIfUnused(stream);
        }
        if (wasPublisher)
            events.Emit(new PublishStopped(stream.Name, _time.GetUtcNow(), session.SessionId, reason.ToWire()));
    }

    /// <summary>
    /// Forwards one publisher message to the stream's viewers; ends viewers that fell past the hard bound.
    /// <paramref name="now"/>: milliseconds of <see cref="Time"/> (<see cref="TimeProviderMilliseconds"/>), read by the
    /// caller once per read.
    /// </summary>
    public void Media(RelayStream stream, IPublisherSession session, MediaPacket packet, long now, bool metadataAudio = false, bool metadataVideo = false)
    {
        var tooSlow = t_tooSlow ??= new List<Viewer>();
        stream.OnMedia(session, packet, now, tooSlow, metadataAudio, metadataVideo);
        if (tooSlow.Count == 0)
            return;
        var ended = tooSlow.ToArray();
        tooSlow.Clear();
        if (SocketThreads.IsCurrent)
        {
            // The publisher's read completed on a socket thread: the stop events reach the host's sinks (store
            // commits) from the thread pool, never from the thread every socket's completions run on.
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Hub.EndTooSlow(s.Stream, s.Ended), (Hub: this, Stream: stream, Ended: ended), preferLocal: false);
            return;
        }
        EndTooSlow(stream, ended);
    }

    private void EndTooSlow(RelayStream stream, Viewer[] ended)
    {
        foreach (var viewer in ended)
        {
            var reason = viewer.Queue.IsCompleted ? viewer.Queue.CompletionReason.ForEvents() : DisconnectReason.TooSlow;
            if (reason == DisconnectReason.TooSlow)
                LogTooSlow(LogText.Escape(stream.Name)!, viewer.Id, viewer.Queue.Counters.QueueMs);
            viewer.End(reason, notify: false);
            EmitStopped(viewer, reason);
        }
        lock (_lock) RemoveIfUnused(stream);
    }

    /// <summary>Adds a viewer: headers and a start point at once when live, else held until the publisher comes.</summary>
    public void Play(Viewer viewer)
    {
        lock (_lock)
        {
            var stream = GetOrCreate(viewer.StreamName);
            stream.AttachViewer(viewer, _options.MaxStartLatencyMs);
        }
        events.Emit(new PlayStarted(viewer.StreamName, _time.GetUtcNow(), viewer.Id, viewer.Transport));
    }

    /// <summary>Removes a viewer (its connection closed or it stopped playing).</summary>
    public void StopPlay(Viewer viewer, DisconnectReason reason)
    {
        lock (_lock)
        {
            if (_streams.TryGetValue(viewer.StreamName, out var stream))
            {
                stream.RemoveViewer(viewer);
                RemoveIfUnused(stream);
            }
        }
        EmitStopped(viewer, reason);
    }

    /// <inheritdoc />
    public int DisconnectStream(string streamName, string reason)
    {
        RelayStream? stream;
        lock (_lock) stream = _streams.GetValueOrDefault(streamName);
        if (stream is null)
            return 0;
        var count = 0;
        if (stream.Publisher is { } publisher)
        {
            stream.DetachPublisher(publisher);
            publisher.Kick(DisconnectReason.Kicked);
            events.Emit(new PublishStopped(streamName, _time.GetUtcNow(), publisher.SessionId, DisconnectReason.Kicked.ToWire()));
            count++;
        }
        foreach (var viewer in stream.RemoveAllViewers())
        {
            viewer.End(DisconnectReason.Kicked, notify: true);
            EmitStopped(viewer, DisconnectReason.Kicked);
            count++;
        }
        lock (_lock) RemoveIfUnused(stream);
        LogDisconnected(LogText.Escape(streamName)!, count, reason);
        return count;
    }

    /// <summary>
    /// Periodic upkeep: stall/resume and stats events for live streams; ends viewers held too long without a
    /// publisher longer than <c>Media:UnpublishedHoldMs</c>.
    /// </summary>
    public void Sweep()
    {
        var now = _time.GetMilliseconds();
        foreach (var stream in Snapshot())
        {
            if (stream.Publisher is { } publisher)
            {
                ReportLiveStream(stream, publisher, now);
                continue;
            }
            if (now - stream.NoPublisherSince < _options.UnpublishedHoldMs)
                continue;
            foreach (var viewer in stream.RemoveAllViewers())
            {
                viewer.End(DisconnectReason.Unpublished, notify: true);
                EmitStopped(viewer, DisconnectReason.Unpublished);
            }
            lock (_lock) RemoveIfUnused(stream);
        }
    }

    private void ReportLiveStream(RelayStream stream, IPublisherSession publisher, long now)
    {
        var silentMs = (int)Math.Min(int.MaxValue, now - stream.LastMediaAt);
        if (!stream.StallReported && silentMs >= _options.PublisherStaleMs)
        {
            stream.StallReported = true;
            LogStalled(LogText.Escape(stream.Name)!, publisher.SessionId, silentMs);
            events.Emit(new PublishStalled(stream.Name, _time.GetUtcNow(), publisher.SessionId, silentMs));
        }
        else if (stream.StallReported && silentMs < _options.PublisherStaleMs)
        {
            stream.StallReported = false;
            events.Emit(new PublishResumed(stream.Name, _time.GetUtcNow(), publisher.SessionId));
        }
        if (_options.StatsIntervalMs > 0 && now - stream.LastStatsAt >= _options.StatsIntervalMs)
        {
            stream.LastStatsAt = now;
            events.Emit(new StreamStatsReported(stream.Name, _time.GetUtcNow(), RelayStatsProvider.ToPublic(stream.GetStats())));
        }
    }

    private void EmitStopped(Viewer viewer, DisconnectReason reason)
    {
        if (Interlocked.Exchange(ref viewer.Ended, 1) == 0)
            events.Emit(new PlayStopped(viewer.StreamName, _time.GetUtcNow(), viewer.Id, reason.ForEvents().ToWire()));
    }

    private RelayStream GetOrCreate(string name)
    {
        if (!_streams.TryGetValue(name, out var stream))
        {
            stream = new RelayStream(name, _time) { MaxStartLatencyMs = _options.MaxStartLatencyMs, LatestGopMaxBytes = _options.LatestGopMaxBytes };
            _streams[name] = stream;
        }
        return stream;
    }

    private void RemoveIfUnused(RelayStream stream)
    {
        if (stream.IsUnused && _streams.TryGetValue(stream.Name, out var current) && ReferenceEquals(current, stream))
            _streams.Remove(stream.Name);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {Stream}: stale publisher {OldSessionId} replaced by {SessionId}")]
    private partial void LogReplaced(string stream, long oldSessionId, long sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream {Stream}: viewer {ViewerId} disconnected as too slow (queue {QueueMs} ms)")]
    private partial void LogTooSlow(string stream, long viewerId, int queueMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {Stream}: publisher {SessionId} sent no media for {SilentMs} ms")]
    private partial void LogStalled(string stream, long sessionId, int silentMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {Stream}: disconnected {Count} connections ({Reason})")]
    private partial void LogDisconnected(string stream, int count, string reason);
}
