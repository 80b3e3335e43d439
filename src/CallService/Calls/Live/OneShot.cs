namespace CallService.Calls.Live;

/// <summary>
/// One named timer slot of a call (ring, media join, a party's publisher-lost grace …). Starting it again replaces the
/// running timer; a callback of a replaced or cancelled timer that is already queued finds its generation stale and
/// does nothing. Used only under the call's gate.
/// </summary>
internal sealed class OneShot(string name)
{
    private ITimer? _timer;
    private int _generation;

    /// <summary>What the timer is, for log lines (<c>ring timeout</c>, <c>publisher-lost grace (a)</c>).</summary>
    public string Name { get; } = name;

    public bool Running => _timer is not null;

    /// <summary>Starts (or restarts) the timer; <paramref name="due"/> runs only if this start is still the current one.</summary>
    public void Start(TimeProvider time, TimeSpan due, Action<Func<bool>> onDue)
    {
        Cancel();
        var generation = _generation;
        _timer = CreateTimer(time, _ => onDue(() => _generation == generation), due, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// A timer created without the caller's execution context: a timer keeps what it captured until it fires or is
    /// disposed, and a request's context holds its Activity and logging scope (a timer started by a request would keep
    /// them for as long as it runs). A callback that fires long after the request has no business in its scope.
    /// </summary>
    public static ITimer CreateTimer(TimeProvider time, TimerCallback callback, TimeSpan due, TimeSpan period)
    {
        if (ExecutionContext.IsFlowSuppressed()) return time.CreateTimer(callback, null, due, period);
        using (ExecutionContext.SuppressFlow())
            return time.CreateTimer(callback, null, due, period);
    }

    public void Cancel()
    {
        _timer?.Dispose();
        _timer = null;
        _generation++;
    }
}

/// <summary>Runtime state of one party of a live call: its timers and its debounce clocks (none of it is persisted).</summary>
internal sealed class PartyRuntime(string role)
{
    /// <summary>The publisher disappeared or stalled: it may come back within the grace (DESIGN §3.1).</summary>
    public OneShot PublisherLost { get; } = new(role == "a" ? "publisher-lost grace (a)" : role == "b" ? "publisher-lost grace (b)" : $"publisher-lost grace ({role})");

    /// <summary>A "retry started" code was reported: a push/play begin within the window cancels the hang-up (DESIGN §3.3).</summary>
    public OneShot Recovery { get; } = new(role == "a" ? "recovery window (a)" : role == "b" ? "recovery window (b)" : $"recovery window ({role})");

    /// <summary>When this party's peer was last told about each warning code (<c>call.peer_warning</c> debounce).</summary>
    public Dictionary<int, DateTimeOffset> LastPeerWarning => _lastPeerWarning ??= []; // created by the first warning

    private Dictionary<int, DateTimeOffset>? _lastPeerWarning;

    /// <summary>Since when this party's video bitrate has been over its profile limit; null when it is not.</summary>
    public DateTimeOffset? ExceededSince { get; set; }

    /// <summary>When this party was last warned <c>profile_exceeded</c> (debounce).</summary>
    public DateTimeOffset? LastProfileWarning { get; set; }

    public void Cancel()
    {
        PublisherLost.Cancel();
        Recovery.Cancel();
    }
}
