using System.Reflection;

namespace CallService.Hosting;

/// <summary>
/// Turns an exception that stops the start into the one line the process prints on stderr (no stack trace), with exit
/// code <see cref="ExitCode"/>. Only the service's own process does this: hosted by a test factory
/// (<c>WebApplicationFactory</c>), the exception goes on to the factory.
/// </summary>
internal static class StartupFailure
{
    /// <summary>The exit code of a start that failed (configuration, data directory, ports).</summary>
    public const int ExitCode = 1;

    /// <summary>True when this assembly is the process's entry point (<c>dotnet CallService.dll</c>, <c>dotnet run</c>).</summary>
    public static bool IsOwnProcess => Assembly.GetEntryAssembly() == typeof(StartupFailure).Assembly;

    private static volatile bool s_starting = true;

    /// <summary>
    /// Until the host has started, its own "Hosting failed to start" error (logged with the whole stack trace, e.g. for
    /// a port in use) is left out: the same exception reaches <c>Program</c> and becomes the one line. From
    /// <c>ApplicationStarted</c> on, the host logs as usual (a background service that fails at run time is logged).
    /// </summary>
    public static void QuietHostStartFailures(WebApplicationBuilder builder)
    {
        if (!IsOwnProcess) return;
        // A category rule with a filter function replaces the configured minimum for this category: keep Information.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host",
            level => level >= LogLevel.Information && !(s_starting && level >= LogLevel.Error));
    }

    /// <summary>Call once the host has started (see <see cref="QuietHostStartFailures"/>).</summary>
    public static void Started() => s_starting = false;

    /// <summary><c>CallService did not start: &lt;reason&gt;</c>, on one line.</summary>
    public static string Describe(Exception exception)
    {
        var reason = Reason(exception);
        return "CallService did not start: " + string.Join(' ', reason.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static string Reason(Exception exception)
    {
        // The innermost exception that says something: wrappers (aggregate, reflection, DI) add nothing for the operator.
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case StartupException s:
                    return s.Message;
                case Microsoft.Data.Sqlite.SqliteException sqlite:
                    return $"The record database cannot be used ({sqlite.Message.TrimEnd('.')}). Check that Storage:DataDirectory and calls.db are writable.";
                case AggregateException { InnerExceptions.Count: 1 } or TargetInvocationException:
                    continue;
                case AggregateException many:
                    return string.Join("; ", many.InnerExceptions.Select(Reason));
                default:
                    if (e.InnerException is StartupException inner) return inner.Message;
                    return e is IOException or UnauthorizedAccessException or Microsoft.Extensions.Options.OptionsValidationException
                        ? e.Message
                        : $"{e.Message} ({e.GetType().Name})";
            }
        }
        return exception.Message;
    }
}
