using CallMedia.Events;

namespace CallService.Media.ProcessMode;

/// <summary>
/// What the coordinator believes is live on the relay process, from the media events it forwarded: the publisher
/// session of each stream and every viewer. When the relay dies its connections are gone without their stop events;
/// <see cref="Lost"/> gives those events (<c>closed</c>: the connection ended), so the calls see publisher-lost (and
/// the end of play) exactly as when a publisher's TCP connection closes.
/// </summary>
internal sealed class RelayLiveStreams
{
    /// <summary>Stop reason of the events made for a relay that died (a publisher's or viewer's connection ended).</summary>
    public const string LostReason = "closed";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _publishers = new(StringComparer.Ordinal);
    private readonly Dictionary<long, string> _viewers = [];

    /// <summary>Number of live publishers.</summary>
    public int Publishers
    {
        get
        {
            lock (_lock) return _publishers.Count;
        }
    }

    /// <summary>Follows one event of the relay.</summary>
    public void Observe(MediaEvent mediaEvent)
    {
        lock (_lock)
        {
            switch (mediaEvent)
            {
                case PublishStarted started:
                    _publishers[started.StreamName] = started.SessionId;
                    break;
                case PublishStopped stopped when _publishers.TryGetValue(stopped.StreamName, out var session) && session == stopped.SessionId:
                    _publishers.Remove(stopped.StreamName);
                    break;
                case PlayStarted play:
                    _viewers[play.ViewerId] = play.StreamName;
                    break;
                case PlayStopped play:
                    _viewers.Remove(play.ViewerId);
                    break;
            }
        }
    }

    /// <summary>The stop events of everything live (viewers first, then publishers), and forgets it all.</summary>
    public IReadOnlyList<MediaEvent> Lost(DateTimeOffset at)
    {
        lock (_lock)
        {
            var lost = new List<MediaEvent>(_viewers.Count + _publishers.Count);
            lost.AddRange(_viewers.Select(v => new PlayStopped(v.Value, at, v.Key, LostReason)));
            lost.AddRange(_publishers.Select(p => new PublishStopped(p.Key, at, p.Value, LostReason)));
            _viewers.Clear();
            _publishers.Clear();
            return lost;
        }
    }
}
