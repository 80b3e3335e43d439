namespace CallMedia.RelayProcess;

/// <summary>
/// A logger whose target is set once the host's logging exists: the control channel is made when the relay connects,
/// before the host is built, and logs through this from then on (nothing before <see cref="Target"/> is set, as the
/// channel's loops only start with it).
/// </summary>
internal sealed class DeferredLogger : ILogger
{
    /// <summary>Where messages go; a null logger until the host has started.</summary>
    public ILogger Target { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => Target.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => Target.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Target.Log(logLevel, eventId, state, exception, formatter);
}
