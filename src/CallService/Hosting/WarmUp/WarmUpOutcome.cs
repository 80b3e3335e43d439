namespace CallService.Hosting.WarmUp;

/// <summary>How a start-up warm-up ended (<see cref="StartupWarmUp.RunAsync"/>).</summary>
internal enum WarmUpEnd
{
    /// <summary>All its lifecycles ran: the node starts warm.</summary>
    Done,

    /// <summary>
    /// All its lifecycles ran, but not as meant for this node (a PostgreSQL node warmed on SQLite, or its throwaway
    /// schema left behind): the node starts warm, and the line is logged as a warning.
    /// </summary>
    DoneWithWarning,

    /// <summary>It failed or took too long: the node starts cold.</summary>
    GivenUp,

    /// <summary>A stop signal (SIGTERM, SIGINT) came meanwhile: the process exits without starting the node.</summary>
    Stopped,
}

/// <summary>A warm-up's end and the one line the node logs about it.</summary>
internal sealed record WarmUpOutcome(WarmUpEnd End, string Line);
