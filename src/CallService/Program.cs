using CallMedia.Hosting;
using CallService.Hosting;

// appsettings*.json are watched for reload. The default watcher is inotify on the whole content root, recursively,
// which also wakes on every write to the record database under ./data (thousands per second under load); polling
// watches only the config files (every 4 s). An explicit DOTNET_USE_POLLING_FILE_WATCHER wins.
if (Environment.GetEnvironmentVariable("DOTNET_USE_POLLING_FILE_WATCHER") is null)
    Environment.SetEnvironmentVariable("DOTNET_USE_POLLING_FILE_WATCHER", "true");

var builder = WebApplication.CreateBuilder(args);
builder.UseCallServiceDefaults();                          // --urls default, no secrets in request logs
builder.Services.AddCallMedia(builder.Configuration);       // the relay: RTMP listener, IRelayControl, IRelayEndpoints
builder.Services.AddCallCoordinator(builder.Configuration); // API, realtime, rules, timers, records; the relay's policy + event sink

var app = builder.Build();
app.UseCallCoordinator();
app.MapCallCoordinator();
app.MapCallMediaFlv();                                     // GET /live/{stream}.flv
app.Run();

/// <summary>Entry point marker for WebApplicationFactory.</summary>
public partial class Program;
