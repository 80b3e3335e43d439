namespace CallService.Hosting.WarmUp;

/// <summary>How a start-up warm-up ended (<see cref="StartupWarmUp.RunAsync"/>).</summary>
internal enum WarmUpEnd
{
    /// <summary>All its lifecycles ran: the node starts warm.</summary>
    Done,

    /// <summary>It failed or took too long: the node starts cold.</summary>
    GivenUp,

    /// <summary>A stop signal (SIGTERM, SIGINT) came meanwhile: the process exits without starting the node.</summary>
    Stopped,
}

/// <summary>A warm-up's end and the one line the node logs about it.</summary>
internal sealed record WarmUpOutcome(WarmUpEnd End, string Line);
