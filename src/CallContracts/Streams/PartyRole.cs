namespace CallContracts.Streams;

/// <summary>
/// The two sides of a 1:1 call. Party A is the caller and publishes stream <c>{callId}-a</c>;
/// party B is the callee and publishes <c>{callId}-b</c> (DESIGN §1).
/// </summary>
public enum PartyRole
{
    /// <summary>The caller: publishes <c>push_a</c>, plays <c>play_b</c>.</summary>
    A,

    /// <summary>The callee: publishes <c>push_b</c>, plays <c>play_a</c>.</summary>
    B,
}
