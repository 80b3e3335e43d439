namespace CallService.Evidence;

/// <summary>Whether a call is recorded: never, always (from accept to end), or while both parties consent.</summary>
internal enum RecordingMode
{
    Off,
    On,
    Consent,
}

/// <summary>Where recording stands (the wire values of <c>GET /v1/calls/{id}/recordings</c>).</summary>
internal enum RecordingState
{
    /// <summary>Nothing is being recorded (mode off, or mode on before the call is accepted, or nothing was recorded).</summary>
    Off,
    /// <summary>Consent mode: not both parties agree (yet, or any more).</summary>
    WaitingConsent,
    /// <summary>Both legs are being written.</summary>
    Recording,
    /// <summary>The call ended; the MP4s and hashes are being made.</summary>
    Processing,
    /// <summary>Every file is made and hashed.</summary>
    Ready,
    /// <summary>Post-processing failed; whatever was made is listed.</summary>
    Failed,
    /// <summary>The service stopped during the recording; the partial legs were finalised at the next start.</summary>
    Interrupted,
}

internal static class RecordingModes
{
    public static readonly IReadOnlyList<string> Wire = ["off", "on", "consent"];

    public static RecordingMode? Parse(string? value) => value switch
    {
        "off" => RecordingMode.Off,
        "on" => RecordingMode.On,
        "consent" => RecordingMode.Consent,
        _ => null,
    };

    public static string ToWire(this RecordingMode mode) => mode switch
    {
        RecordingMode.On => "on",
        RecordingMode.Consent => "consent",
        _ => "off",
    };

    public static string ToWire(this RecordingState state) => state switch
    {
        RecordingState.WaitingConsent => "waiting_consent",
        RecordingState.Recording => "recording",
        RecordingState.Processing => "processing",
        RecordingState.Ready => "ready",
        RecordingState.Failed => "failed",
        RecordingState.Interrupted => "interrupted",
        _ => "off",
    };

    public static RecordingState ParseState(string value) => value switch
    {
        "waiting_consent" => RecordingState.WaitingConsent,
        "recording" => RecordingState.Recording,
        "processing" => RecordingState.Processing,
        "ready" => RecordingState.Ready,
        "failed" => RecordingState.Failed,
        "interrupted" => RecordingState.Interrupted,
        _ => RecordingState.Off,
    };
}
