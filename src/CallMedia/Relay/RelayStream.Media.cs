using CallMedia.Delivery;
using CallMedia.Media;

namespace CallMedia.Relay;

internal sealed partial class RelayStream
{
    /// <summary>
    /// Fans one message from <paramref name="session"/> out to every viewer. Takes over the caller's payload
    /// reference. Viewers past their hard bound are removed and added to <paramref name="tooSlow"/> (the caller
    /// ends them outside the lock). Messages from a session that is no longer the publisher are discarded.
    /// Once the lock is released, the viewers' writers are woken inline (<see cref="ViewerQueue.WakeWriter"/>): an idle
    /// writer (its queue was empty) sends on this thread, one send; a busy one takes the message from its queue. Inside
    /// a wake batch (<see cref="BeginWakeBatch"/>) the writers are woken at its end instead.
    /// </summary>
    public void OnMedia(IPublisherSession session, MediaPacket packet, List<Viewer> tooSlow, bool metadataAudio = false, bool metadataVideo = false) =>
        OnMedia(session, packet, _time.GetMilliseconds(), tooSlow, metadataAudio, metadataVideo);

    /// <summary>
    /// <see cref="OnMedia(IPublisherSession, MediaPacket, List{Viewer}, bool, bool)"/> at <paramref name="now"/>: milliseconds
    /// of the stream's clock, read by the caller (once per publisher read) and used for the stream and every viewer's offer.
    /// </summary>
    public void OnMedia(IPublisherSession session, MediaPacket packet, long now, List<Viewer> tooSlow, bool metadataAudio = false, bool metadataVideo = false)
    {
        var wake = t_wake ??= new ShortList<Viewer>();
        try
        {
            Fan(session, packet, now, tooSlow, wake, metadataAudio, metadataVideo);
        }
        finally
        {
            // The stream's lock is released: a send (or a failing connection's close) never runs under it.
            if (!t_batching || wake.Count >= MaxBatchedWakes)
                WakeListed(wake);
        }
    }

    private void Fan(IPublisherSession session, MediaPacket packet, long now, List<Viewer> tooSlow, ShortList<Viewer> wake, bool metadataAudio, bool metadataVideo)
    {
        lock (_lock)
        {
            if (!ReferenceEquals(Publisher, session))
            {
                packet.Payload.Release();
                return;
            }
            packet = packet with { Timestamp = OutgoingTimestamp(packet) };
            if (!packet.IsEssential && packet.Class != FrameClass.Data)
                LastMediaAt = now;
            StatsOnPacket(packet, now);

            // Viewers already playing have this exact metadata or decoder configuration (a reconnecting publisher
            // sends the same again): a repeat would reach libavformat as "new extradata", which its Matroska muxer
            // writes over the track header (a corrupt -c copy recording).
            var repeat = packet.IsEssential && _sentHeaders.Repeats(packet);
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
                    if (_latestGopMaxBytes > 0)
                        _capture.Restart(packet);
                    break;
                default:
                    // Viewers start from the GOP only while it is young (AttachViewer): references that long only.
                    if (_gop.Count > 0 && now - _gopKeyAt <= _maxStartLatencyMs)
                        _gop.Add(packet with { Payload = packet.Payload.Retain() });
                    else if (_gop.Count > 0)
                        ClearGop();
                    // Captures and recordings started on a live stream get the whole GOP: a copy (GopCopy).
                    _capture.Add(packet, _latestGopMaxBytes);
                    break;
            }

            // A recording is one more consumer: an enqueue of this payload (nothing while none runs).
            _recording?.Offer(packet);

            var startAudioOnly = packet.Class == FrameClass.Audio && !HasVideo;
            var startPoint = startAudioOnly || packet.Class == FrameClass.KeyFrame;
            for (var i = _viewers.Count - 1; i >= 0; i--)
            {
                var viewer = _viewers[i];
                if (repeat)
                    continue;
                if (viewer.StartPending)
                {
                    // Metadata and headers reach a waiting viewer only with its start point, stamped for it.
                    if (packet.IsEssential)
                        continue;
                    if (startPoint)
                    {
                        if (startAudioOnly)
                            viewer.Queue.StartNow();
                        viewer.StartPending = false;
                        OfferStart(viewer, packet.Timestamp, wakeLater: true);
                    }
                }
                else if (packet.Class == FrameClass.KeyFrame && viewer.ResumesAfterPublisherSwitch)
                {
                    // A new publisher's decoder configuration went out as it came (unless the viewer had it already).
                    viewer.ResumesAfterPublisherSwitch = false;
                }
                else if (packet.Class == FrameClass.KeyFrame && _videoHeader is { } header && viewer.Queue.VideoWaitsForKeyFrame)
                {
                    // Video resumes after drops: decoder configuration first (DESIGN §4), stamped like the key frame.
                    var resend = header with { Timestamp = packet.Timestamp };
                    viewer.Queue.Offer(resend, QueueNow(viewer.Queue, now), wakeLater: true);
                }
                var result = viewer.Queue.Offer(packet, QueueNow(viewer.Queue, now), wakeLater: true);
                if (!ReferenceEquals(viewer.WakeList, wake))
                {
                    viewer.WakeList = wake; // once per batch: the fan-outs of one read list each viewer once
                    wake.Add(viewer);
                }
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

    /// <summary>The fan-out's clock read for <paramref name="queue"/>: the same read when the queue runs on the stream's clock.</summary>
    private long QueueNow(ViewerQueue queue, long now) => ReferenceEquals(queue.Time, _time) ? now : queue.NowMs;

    private int _maxStartLatencyMs = 500;

    /// <summary>How long a key frame stays a start point (from <c>Media:MaxStartLatencyMs</c>).</summary>
    public int MaxStartLatencyMs
    {
        set => _maxStartLatencyMs = value;
    }

    // The metadata and decoder configurations last sent to viewers; kept across publishers.
    private readonly HeaderMemory _sentHeaders = new();

    /// <summary>
    /// Keeps a copy of <paramref name="packet"/> (metadata, a sequence header: small, rare, kept for the stream's life).
    /// A copy, not a reference: the payload may be a slice of the publisher's receive buffer, which it would pin.
    /// </summary>
    private static void Replace(ref MediaPacket? slot, MediaPacket packet)
    {
        slot?.Payload.Release();
        slot = packet with { Payload = MediaBuffer.CopyOf(packet.Payload.Span) };
    }
}
