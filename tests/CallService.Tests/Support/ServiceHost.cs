using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CallContracts.Calls;
using CallContracts.Tokens;
using CallMedia.Control;
using CallMedia.Events;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;
using TestSupport.Storage;

namespace CallService.Tests.Support;

/// <summary>
/// The real CallService host on Kestrel at 127.0.0.1 (free port), with a temp data directory and the relay on
/// port 0; by default with fake time and a substituted <see cref="IRelayControl"/>, with <c>realMedia</c> the
/// real relay and clock (for ffmpeg tests). The store is the run's (<see cref="TestStorage"/>: SQLite in the data
/// directory, or with <c>CALLSERVICE_TEST_STORAGE=postgres</c> a PostgreSQL database of the data directory's own); a
/// test's own <c>settings</c> go over it.
/// </summary>
public sealed class ServiceHost : WebApplicationFactory<Program>
{
    public const string ApiKey = "itest-api-key";
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;
    private readonly bool _realMedia;
    private readonly bool _ownsDataDirectory;

    public ServiceHost(string? dataDirectory = null, Dictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null, bool withApiKey = true, bool realMedia = false, ManualTimeProvider? time = null)
    {
        Time = time ?? new ManualTimeProvider();
        _realMedia = realMedia;
        _ownsDataDirectory = dataDirectory is null;
        DataDirectory = dataDirectory ?? NewDataDirectory();
        _settings = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = DataDirectory,
            ["Media:Rtmp:Port"] = "0",
        };
        if (withApiKey) _settings["Auth:ApiKeys:0"] = ApiKey;
        foreach (var (k, v) in TestStorage.SettingsFor(DataDirectory)) _settings[k] = v;
        foreach (var (k, v) in settings ?? []) _settings[k] = v;
        _services = services;
        // Port 0 through the URLs setting, not UseKestrel(0): the factory then clears the server's addresses after the
        // app has built, which races with Kestrel's bind ("Addresses cannot be modified after the server has started",
        // dotnet/aspnetcore#67714).
        UseKestrel();
        StartServer();
        BaseAddress = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public static string NewDataDirectory() =>
        Path.Combine(Path.GetTempPath(), "callservice-itests", Guid.NewGuid().ToString("N"));

    public string DataDirectory { get; }
    public Uri BaseAddress { get; }
    public ManualTimeProvider Time { get; }
    public IRelayControl Relay { get; } = Substitute.For<IRelayControl>();
    public IMediaEventSink MediaEvents => Services.GetRequiredService<IMediaEventSink>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0");
        foreach (var (k, v) in _settings) builder.UseSetting(k, v);
        builder.ConfigureTestServices(s =>
        {
            if (!_realMedia)
            {
                // Fake time, and a relay double that records kicks; real-media tests use the real relay and clock.
                s.AddSingleton<TimeProvider>(Time);
                s.AddSingleton(Relay);
            }
            _services?.Invoke(s);
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) WaitUntilDataDirectoryIsFree();
        if (disposing && _ownsDataDirectory)
        {
            try { Directory.Delete(DataDirectory, recursive: true); }
            catch (IOException) { } // best effort: a temp directory
        }
    }

    /// <summary>
    /// The app's own thread (Program's <c>app.Run()</c>) may still be disposing the host's services, the data-directory
    /// lock among them, when the factory's dispose returns: wait (bounded) until the lock is free, so the next host on
    /// the same directory starts as after a real process exit.
    /// </summary>
    private void WaitUntilDataDirectoryIsFree()
    {
        var lockFile = Path.Combine(DataDirectory, CallService.Hosting.DataDirectory.LockFileName);
        for (var i = 0; i < 500 && File.Exists(lockFile); i++)
        {
            try
            {
                using (new FileStream(lockFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) return;
            }
            catch (IOException)
            {
                Thread.Sleep(20);
            }
        }
    }

    public HttpClient Http(string? bearer = ApiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (bearer is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }

    public async Task<string> TokenFor(string userId, int ttlSeconds = 3600)
    {
        var response = await Http().PostAsJsonAsync("/v1/tokens", new { userId, ttlSeconds });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<TokenResponse>(Json))!.Token;
    }

    public async Task<CallResponse> CreateCall(object body, string? bearer = ApiKey)
    {
        var response = await Http(bearer).PostAsJsonAsync("/v1/calls", body);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CallResponse>(Json))!;
    }

    public async Task<RealtimeClient> Connect(string token) =>
        await RealtimeClient.Connect(new Uri($"ws://{BaseAddress.Authority}/v1/ws?token={Uri.EscapeDataString(token)}"));
}
