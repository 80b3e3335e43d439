namespace CallService.Calls.Live;

/// <summary>Where a <see cref="CallEntry"/> is in its life; it only moves forward.</summary>
internal enum CallEntryStage
{
    /// <summary>In memory with its runtime (timers, per-party runtime); saved after every change.</summary>
    Live,

    /// <summary>
    /// Ended, a write of it made, and in the registry's retained ended calls; keeps its runtime until everything about
    /// it is written (a failed write is retried with the next one).
    /// </summary>
    Retained,

    /// <summary>Ended and written: without a runtime, read-only, never saved again (<see cref="CallEntry.Freeze"/>).</summary>
    Frozen,

    /// <summary>Rebuilt from its record after leaving memory: ended, read-only, never saved.</summary>
    Detached,
}
