using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using RtmpTestClient.Servers;

namespace CallLoad.Targets;

/// <summary>
/// Our CallService: either started by the tool (<c>dotnet CallService.dll</c> built in Release, free HTTP and RTMP
/// ports, a temp data directory, a generated API key) or attached to an already running instance on loopback.
/// Streams are those of real calls created through <c>POST /v1/calls</c> (docs/api.md).
/// </summary>
public sealed class CallServiceTarget : ITarget, ISignalingTarget
{
    private readonly Process? _process;
    private readonly string? _dataDirectory;
    private readonly string _run = Guid.NewGuid().ToString("N")[..6];

    private CallServiceTarget(Uri baseUrl, string apiKey, Process? process, int? pid, string? dataDirectory)
    {
        BaseUrl = baseUrl;
        ApiKey = apiKey;
        _process = process;
        CoordinatorProcessId = pid ?? process?.Id;
        _dataDirectory = dataDirectory;
        Http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    /// <inheritdoc />
    public string Name => "callservice";

    /// <inheritdoc />
    /// <remarks>With the relay in its own process (<c>Media:Mode=process</c>) this is the relay's; else the service's.</remarks>
    public int? ProcessId => RelayProcessId ?? CoordinatorProcessId;

    /// <summary>The CallService process (the coordinator).</summary>
    public int? CoordinatorProcessId { get; }

    /// <summary>
    /// The relay process CallService started (<c>Media:Mode=process</c>): its child whose command line names
    /// <c>CallMedia.Relay</c>; null when the relay runs inside CallService. Looked up once the RTMP port answers.
    /// </summary>
    public int? RelayProcessId { get; private set; }

    /// <summary>The child of <paramref name="parent"/> whose command line names <c>CallMedia.Relay</c> (Linux /proc); null when none.</summary>
    public static int? FindRelayChild(int parent)
    {
        if (!OperatingSystem.IsLinux()) return null;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) != parent) continue;
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains("CallMedia.Relay", StringComparison.Ordinal)) return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
            {
                // the process ended while we looked
            }
        }
        return null;
    }

    /// <inheritdoc />
    public bool HoldsEarlyViewers => true;

    /// <summary>The HTTP base URL, e.g. <c>http://127.0.0.1:5123/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The API key used for server-to-server calls.</summary>
    public string ApiKey { get; }

    /// <summary>A client with the API key set.</summary>
    public HttpClient Http { get; }

    /// <summary>
    /// The <c>recording</c> field (<c>off</c>/<c>on</c>/<c>consent</c>) <see cref="CreateCallAsync"/> sends for call
    /// <c>index</c>; null (default) or a null answer sends none (the service's default mode).
    /// </summary>
    public Func<int, string?>? RecordingFor { get; set; }

    /// <summary>Uses a CallService that is already running (e.g. started by a test) on loopback.</summary>
    public static CallServiceTarget Attach(Uri baseUrl, string apiKey, int? processId = null) =>
        new(new Uri(Loopback.Require(baseUrl.ToString())), apiKey, null, processId, null);

    /// <summary>
    /// Starts <c>dotnet <paramref name="dllPath"/></c> (default: <c>src/CallService/bin/Release/net10.0/CallService.dll</c>
    /// of this repository, built first when missing) and waits for its HTTP port, and for its RTMP port when
    /// <paramref name="requireRelay"/> (signaling alone does not need the relay). <paramref name="environment"/> is added
    /// to the service's environment (e.g. <c>DOTNET_gcServer=0</c> for an A/B run of a runtime setting).
    /// <paramref name="apiKey"/> (default: a fresh one) lets several nodes share one key; <paramref name="cpus"/> (a
    /// taskset CPU list) pins the process to those CPUs.
    /// </summary>
    public static async Task<CallServiceTarget> StartAsync(
        string? dllPath = null, TimeSpan? timeout = null, bool requireRelay = true, IReadOnlyDictionary<string, string>? environment = null,
        string? apiKey = null, string? cpus = null)
    {
        dllPath ??= await RepoPaths.EnsureCallServiceBuiltAsync().ConfigureAwait(false);
        var httpPort = ProcessTools.FreeTcpPort();
        var rtmpPort = ProcessTools.FreeTcpPort();
        var dataDirectory = Directory.CreateTempSubdirectory("callload-data-").FullName;
        apiKey ??= "load-" + Guid.NewGuid().ToString("N");
        var psi = cpus is null ? new ProcessStartInfo("dotnet", [dllPath]) : Measuring.CpuPinning.Wrap(cpus, "dotnet", [dllPath]);
        psi.UseShellExecute = false;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.WorkingDirectory = dataDirectory;
        psi.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}";
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment["Media__Rtmp__Port"] = rtmpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["Media__Rtmp__ListenAddress"] = "127.0.0.1";
        psi.Environment["Storage__DataDirectory"] = dataDirectory;
        psi.Environment["Auth__ApiKeys__0"] = apiKey;
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            psi.Environment[name] = value;
        var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start.");
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null && log.Count < 200) log.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null && log.Count < 200) log.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var target = new CallServiceTarget(new Uri($"http://127.0.0.1:{httpPort}/"), apiKey, process, null, dataDirectory);
        try
        {
            await ProcessTools.WaitForPortAsync(httpPort, timeout ?? TimeSpan.FromSeconds(90), () => process.HasExited).ConfigureAwait(false);
            if (process.HasExited)
                throw new InvalidOperationException($"CallService exited with {process.ExitCode}: {string.Join('\n', log)}");
            if (requireRelay)
                await ProcessTools.WaitForPortAsync(rtmpPort, TimeSpan.FromSeconds(10), () => process.HasExited).ConfigureAwait(false);
            target.RelayProcessId = FindRelayChild(process.Id);
            return target;
        }
        catch (Exception ex) when (ex is not InvalidOperationException)
        {
            await target.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"CallService did not come up (RTMP relay {(requireRelay ? "required" : "not required")}): {ex.Message}\n{string.Join('\n', log)}", ex);
        }
        catch
        {
            await target.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<CallUrls> CreateCallAsync(int index, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["caller"] = new JsonObject { ["userId"] = $"load-{_run}-{index}-a" },
            ["callee"] = new JsonObject { ["userId"] = $"load-{_run}-{index}-b" },
            ["scenario"] = "general",
            ["ring"] = false,
        };
        if (RecordingFor?.Invoke(index) is { } recording)
            body["recording"] = recording;
        using var response = await Http.PostAsJsonAsync("v1/calls", body, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"POST /v1/calls → {(int)response.StatusCode}: {text}");
        return ParseCall(text);
    }

    /// <summary>
    /// Maps a call response to stream URLs: A's stream is pushed with <c>parties.a.pushUrl</c> and played by B with
    /// <c>parties.b.playUrl</c>; B's mirror image.
    /// </summary>
    public static CallUrls ParseCall(string json)
    {
        var root = JsonNode.Parse(json) ?? throw new FormatException("Empty call response.");
        var a = root["parties"]?["a"] ?? throw new FormatException("No parties.a in the call response.");
        var b = root["parties"]?["b"] ?? throw new FormatException("No parties.b in the call response.");
        string Url(JsonNode party, string name) =>
            Loopback.Require(party[name]?.GetValue<string>() ?? throw new FormatException($"No {name} in the call response."));
        string? Optional(JsonNode party, string name) => party[name]?.GetValue<string>() is { } s ? Loopback.Require(s) : null;
        return new CallUrls(
            root["callId"]?.GetValue<string>() ?? throw new FormatException("No callId."),
            new StreamUrls(Url(a, "pushUrl"), Url(b, "playUrl"), Optional(b, "playFlvUrl")),
            new StreamUrls(Url(b, "pushUrl"), Url(a, "playUrl"), Optional(a, "playFlvUrl")));
    }

    /// <inheritdoc />
    public async Task EndCallAsync(CallUrls call, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Http.PostAsync($"v1/calls/{Uri.EscapeDataString(call.CallId)}/hangup", null, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
            _process.Dispose();
        }
        if (_dataDirectory is not null)
        {
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
