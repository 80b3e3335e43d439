using CallMedia.Hosting;
using CallService.Hosting;

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
