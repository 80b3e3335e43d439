namespace CallContracts.Streams;

/// <summary>
/// Stream naming of a call: party A publishes <c>{callId}-a</c>, party B publishes <c>{callId}-b</c>
/// (DESIGN §1). Call ids never contain '-', so the last '-' separates the party suffix.
/// </summary>
public static class StreamNames
{
    /// <summary>The stream a party publishes, e.g. <c>k3x9…-a</c>.</summary>
    public static string For(string callId, PartyRole party) =>
        callId + (party == PartyRole.A ? "-a" : "-b");

    /// <summary>The party whose stream the given party plays (A plays B and vice versa).</summary>
    public static PartyRole Peer(PartyRole party) => party == PartyRole.A ? PartyRole.B : PartyRole.A;

    /// <summary>
    /// Splits a stream name into call id and publishing party.
    /// Returns false for names that are not of the form <c>{callId}-a</c> / <c>{callId}-b</c>.
    /// </summary>
    public static bool TryParse(string? streamName, out string callId, out PartyRole party)
    {
        callId = "";
        party = PartyRole.A;
        if (streamName is null || streamName.Length < 3 || streamName[^2] != '-')
            return false;
        switch (streamName[^1])
        {
            case 'a': party = PartyRole.A; break;
            case 'b': party = PartyRole.B; break;
            default: return false;
        }
        callId = streamName[..^2];
        return callId.Length > 0 && !callId.Contains('-');
    }
}
