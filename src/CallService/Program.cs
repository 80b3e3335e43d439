using CallService.Hosting;
using CallService.Hosting.WarmUp;
using CallService.Media;

// appsettings*.json are watched for reload. The default watcher is inotify on the whole content root, recursively,
// which also wakes on every write to the record database under ./data (thousands per second under load); polling
// watches only the config files (every 4 s). An explicit DOTNET_USE_POLLING_FILE_WATCHER wins.
if (Environment.GetEnvironmentVariable("DOTNET_USE_POLLING_FILE_WATCHER") is null)
    Environment.SetEnvironmentVariable("DOTNET_USE_POLLING_FILE_WATCHER", "true");

try
{
    // Content root = the app's directory, so its appsettings.json applies wherever the service is started from
    // (relative paths such as Storage:DataDirectory still resolve against the working directory).
    var builder = WebApplication.CreateBuilder(CallServiceHosting.Options(args));
    StartupFailure.QuietHostStartFailures(builder);             // a failed start is reported once, below
    builder.UseCallServiceDefaults();                          // --urls default, no secrets in request logs, body limit
    builder.Services.AddCallMediaHost(builder.Configuration);   // the relay (Media:Mode: in this process or its own): IRelayControl, IRelayEndpoints
    builder.Services.AddCallCoordinator(builder.Configuration); // API, realtime, rules, timers, records; the relay's policy + event sink

    // Startup:WarmUpLifecycles (1,000 outside Development): lifecycles on a throwaway node before this one is built, so only
    // compiled code carries over.
    var warmUp = await StartupWarmUp.RunAsync(builder.Configuration, builder.Environment);
    if (warmUp is { End: WarmUpEnd.Stopped })
    {
        Console.WriteLine(warmUp.Line); // stopped before a node (or its logger) existed
        return 0;
    }
    var app = builder.Build();
    if (warmUp is { } w) app.Logger.Log(w.End == WarmUpEnd.Done ? LogLevel.Information : LogLevel.Warning, "{WarmUp}", w.Line);
    app.UseCallCoordinator();                                  // locks the data directory before anything touches the records
    app.MapCallCoordinator();
    app.MapCallMediaHost(app.Configuration);                   // GET /live/{stream}.flv (in-process relay)
    app.Lifetime.ApplicationStarted.Register(StartupFailure.Started);
    app.Run();
    return 0;
}
catch (Exception e) when (StartupFailure.IsOwnProcess && e is not HostAbortedException)
{
    // One line, no stack trace: a missing or read-only data directory, one held by another process, a port in use.
    Console.Error.WriteLine(StartupFailure.Describe(e));
    return StartupFailure.ExitCode;
}

/// <summary>Entry point marker for WebApplicationFactory.</summary>
public partial class Program;
