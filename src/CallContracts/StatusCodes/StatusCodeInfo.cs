namespace CallContracts.StatusCodes;

/// <summary>Which mini-program component reports a code.</summary>
public enum StatusComponent
{
    /// <summary><c>&lt;live-pusher bindstatechange&gt;</c>.</summary>
    Pusher,
    /// <summary><c>&lt;live-player bindstatechange&gt;</c>.</summary>
    Player,
    /// <summary><c>binderror</c> (permission errors, <c>detail.errCode</c>).</summary>
    Error,
}

/// <summary>What a code means for the call.</summary>
public enum StatusCategory
{
    /// <summary>Normal progress (connected, push/play begin, …). Never ends the call.</summary>
    Progress,
    /// <summary>Degradation the SDK recovers from by itself. Counted into quality, told to the peer, never ends the call.</summary>
    Warning,
    /// <summary>May end the call, depending on the active rule set (documented / strict / custom).</summary>
    TerminalCandidate,
}

/// <summary>One catalogue entry.</summary>
/// <param name="Code">Value as reported in <c>detail.code</c> / <c>detail.errCode</c>.</param>
/// <param name="Name">Symbolic name (live-pusher docs name where the docs give one, else the LiteAV SDK constant).</param>
/// <param name="Meaning">English meaning of the docs' description.</param>
/// <param name="Component">Reporting component.</param>
/// <param name="Category">Progress, warning or terminal candidate.</param>
/// <param name="Source">Where the code is documented (seed file and table).</param>
public sealed record StatusCodeInfo(
    int Code, string Name, string Meaning, StatusComponent Component, StatusCategory Category, string Source);
