namespace CallService.Hosting;

/// <summary>
/// A start-up failure the operator can fix (data directory missing, read-only or held by another process). Its message
/// is the one line the process prints before it exits (see <see cref="StartupFailure"/>).
/// </summary>
internal sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
