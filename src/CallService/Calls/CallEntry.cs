using CallContracts.Streams;

namespace CallService.Calls;

/// <summary>
/// A call held by the coordinator plus its runtime: timers and persistence bookkeeping.
/// The entry itself is the lock for everything about this call.
/// </summary>
internal sealed class CallEntry(Call call, bool detached = false)
{
    public Call Call { get; } = call;

    /// <summary>Rebuilt from a record (ended, evicted from memory): read-only, never saved.</summary>
    public bool Detached { get; } = detached;

    public int SavedVersion { get; set; } = detached ? call.Version : -1;
    public int SavedTransitions { get; set; } = detached ? call.Transitions.Count : 0;
    public bool Dirty => SavedVersion != Call.Version;

    public ITimer? Ring { get; set; }
    public ITimer? MediaJoin { get; set; }
    public ITimer? MaxDuration { get; set; }
    public ITimer? Evict { get; set; }
    public ITimer?[] Lost { get; } = new ITimer?[2];
    public int[] LostGeneration { get; } = new int[2];
    public ITimer?[] Recovery { get; } = new ITimer?[2];
    public int[] RecoveryGeneration { get; } = new int[2];
    public Dictionary<(PartyRole, int), DateTimeOffset> LastPeerWarning { get; } = [];

    public static int Index(PartyRole role) => role == PartyRole.A ? 0 : 1;

    public void DisposeTimers()
    {
        Ring?.Dispose(); MediaJoin?.Dispose(); MaxDuration?.Dispose();
        Ring = MediaJoin = MaxDuration = null;
        for (var i = 0; i < 2; i++)
        {
            Lost[i]?.Dispose(); Lost[i] = null; LostGeneration[i]++;
            Recovery[i]?.Dispose(); Recovery[i] = null; RecoveryGeneration[i]++;
        }
    }
}
