using CallContracts.Streams;

namespace CallService.Calls;

/// <summary>What the coordinator knows about one party: URLs issued, the relay's view of its stream, its reports.</summary>
internal sealed class CallParty(PartyRole role, string userId)
{
    public PartyRole Role { get; } = role;
    public string UserId { get; } = userId;
    public bool UrlsIssued { get; set; }

    /// <summary>
    /// This party's signed URLs once built (they depend only on the call id, the role, the call's fixed URL expiry and
    /// the service's keys and bases): every response and event that shows them reuses them instead of re-signing.
    /// </summary>
    public Media.PartyUrls? SignedUrls { get; set; }

    // The relay's view of the stream this party publishes.
    public bool Publishing { get; set; }
    public bool EverPublished { get; set; }
    public long? PublisherSession { get; set; }

    /// <summary>Viewers of this party's stream (i.e. the peer's player) the relay reported playing.</summary>
    public int ViewerCount => _viewers?.Count ?? 0;

    public void AddViewer(long viewerId) => (_viewers ??= []).Add(viewerId);

    public void RemoveViewer(long viewerId) => _viewers?.Remove(viewerId);

    private HashSet<long>? _viewers; // created by the first viewer: most calls held have none (signaling only, or ended)

    // What the client itself reported.
    public bool PushBeginReported { get; set; }
    public bool PlayBeginReported { get; set; }

    /// <summary>Warning/other non-terminal counters by code (call quality); most calls have none.</summary>
    public IReadOnlyDictionary<int, int> Warnings => _warnings ?? NoWarnings;

    /// <summary>Sets the counter of <paramref name="code"/> (the map is created by the first warning, not with every call).</summary>
    public void SetWarning(int code, int count) => (_warnings ??= [])[code] = count;

    private Dictionary<int, int>? _warnings;
    private static readonly IReadOnlyDictionary<int, int> NoWarnings = System.Collections.Frozen.FrozenDictionary<int, int>.Empty;

    /// <summary>The relay's measurements of this party's stream (call quality <c>media</c>); created by the first one.</summary>
    public MediaQuality.PartyMediaTally Media => _media ??= new();

    /// <summary>This party's stream's call quality <c>media</c>, or null when the relay reported nothing (creates nothing).</summary>
    public CallContracts.Calls.PartyMediaQuality? StreamQuality => _media?.Quality;

    private MediaQuality.PartyMediaTally? _media; // most calls held have no media report (signaling only)

    /// <summary>The call ended and is written (<see cref="Call.Freeze"/>): the relay's viewers and their counters go.</summary>
    public void Freeze()
    {
        _viewers = null;
        _media?.Freeze();
    }

    /// <summary>The current publisher is connected but sends no media (relay <c>PublishStalled</c>); its lost grace runs.</summary>
    public bool Stalled { get; set; }
}
