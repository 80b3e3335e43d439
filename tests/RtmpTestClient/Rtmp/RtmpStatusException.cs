namespace RtmpTestClient.Rtmp;

/// <summary>A command answered with <c>_error</c>, or a publish/play answered with an error <c>onStatus</c>.</summary>
public sealed class RtmpStatusException(string code, string? description)
    : Exception($"RTMP refused: {code}{(description is null ? "" : $" ({description})")}")
{
    /// <summary>The <c>info.code</c> the server sent, e.g. <c>NetConnection.Connect.Rejected</c>; empty if none.</summary>
    public string Code { get; } = code;
}
