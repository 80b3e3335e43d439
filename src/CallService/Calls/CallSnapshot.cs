namespace CallService.Calls;

/// <summary>Everything persisted about a call (one row + its transitions).</summary>
internal sealed record CallSnapshot(
    string CallId, string Scenario, bool Ring, string CallerUserId, string CalleeUserId, CallTimerSettings Timers,
    CallState State, DateTimeOffset CreatedAt, DateTimeOffset? AcceptedAt, DateTimeOffset? ConnectedAt,
    DateTimeOffset? EndedAt, EndReason? EndReason, Ender? EndedBy, int? Code, bool AIssued, bool BIssued,
    IReadOnlyDictionary<int, int> WarningsA, IReadOnlyDictionary<int, int> WarningsB,
    IReadOnlyList<CallTransition> Transitions)
{
    /// <summary>The relay's measurements of stream a (<c>quality.a.media</c>); null when none were taken.</summary>
    public CallContracts.Calls.PartyMediaQuality? MediaA { get; init; }

    /// <summary>The relay's measurements of stream b.</summary>
    public CallContracts.Calls.PartyMediaQuality? MediaB { get; init; }

    public static CallSnapshot Of(Call c) => new(
        c.Id, c.Scenario, c.Ring, c.A.UserId, c.B.UserId, c.Timers, c.State, c.CreatedAt, c.AcceptedAt,
        c.ConnectedAt, c.EndedAt, c.EndReason, c.EndedBy, c.Code, c.A.UrlsIssued, c.B.UrlsIssued,
        Copy(c.A.Warnings), Copy(c.B.Warnings), [.. c.Transitions])
    {
        MediaA = c.A.StreamQuality, MediaB = c.B.StreamQuality,
    };

    /// <summary>A copy the call cannot change afterwards; the shared read-only empty map (most calls) is not copied.</summary>
    private static IReadOnlyDictionary<int, int> Copy(IReadOnlyDictionary<int, int> warnings) =>
        warnings is Dictionary<int, int> mutable ? new Dictionary<int, int>(mutable) : warnings;
}
