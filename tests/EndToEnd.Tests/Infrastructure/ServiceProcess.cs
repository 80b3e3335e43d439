using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>
/// Runs the real CallService (the built Release/Debug dll) as a child process on free loopback ports
/// with a temporary data directory and fixed keys, exactly as a user starts it. The store is the run's
/// (<see cref="TestStorage"/>: SQLite, or with <c>CALLSERVICE_TEST_STORAGE=postgres</c> a PostgreSQL database of the
/// data directory's own); the caller's <c>settings</c> go over it.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    public const string ApiKey = "e2e-api-key-0123456789";
    public const string PushKey = "e2e-push-key-0123456789abcdef";
    public const string PlayKey = "e2e-play-key-0123456789abcdef";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServiceProcess(Process process, int httpPort, int rtmpPort, string dataDirectory)
    {
        _process = process;
        HttpPort = httpPort;
        RtmpPort = rtmpPort;
        DataDirectory = dataDirectory;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(15) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
    }

    public int HttpPort { get; }
    public int RtmpPort { get; }
    public string DataDirectory { get; }
    public HttpClient Http { get; }
    public string Output => string.Join('\n', _output);

    /// <summary>The default <c>Media:PublicRtmpBaseUrl</c> of this process (its bound RTMP port on loopback).</summary>
    public string RtmpBaseUrl => $"rtmp://127.0.0.1:{RtmpPort}/live";

    /// <summary>The default <c>Media:PublicFlvBaseUrl</c> of this process (its HTTP address + <c>/live</c>).</summary>
    public string FlvBaseUrl => $"http://127.0.0.1:{HttpPort}/live";

    public override string ToString() => $"CallService (http {HttpPort}, rtmp {RtmpPort})";

    /// <summary>
    /// Starts the service and waits until <c>/healthz</c> answers and the RTMP port accepts connections.
    /// <paramref name="httpPort"/>/<paramref name="rtmpPort"/>: fixed ports (when the settings must name them, e.g.
    /// public URLs); free loopback ports otherwise.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(string? dataDirectory = null, IDictionary<string, string>? settings = null,
        int? httpPort = null, int? rtmpPort = null)
    {
        httpPort ??= FreePort.Next();
        rtmpPort ??= FreePort.Next();
        dataDirectory ??= Directory.CreateTempSubdirectory("callservice-e2e-").FullName;
        var fixedSettings = new Dictionary<string, string>
        {
            ["Storage:DataDirectory"] = dataDirectory,
            ["Auth:ApiKeys:0"] = ApiKey,
            ["Media:PushKey"] = PushKey,
            ["Media:PlayKey"] = PlayKey,
        };
        var storage = (await TestStorage.SettingsForAsync(dataDirectory)).Where(s => !s.Key.StartsWith("Media:", StringComparison.Ordinal));
        var info = CallServiceLaunch.StartInfo(httpPort.Value, rtmpPort.Value, dataDirectory,
            fixedSettings, storage, settings ?? new Dictionary<string, string>());

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start CallService");
        var service = new ServiceProcess(process, httpPort.Value, rtmpPort.Value, dataDirectory);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) service._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) service._output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await service.WaitUntilReadyAsync();
        return service;
    }

    /// <summary>How long a start may take: a start-up warm-up (default 1,000 lifecycles) takes 7–9 s of it on a quiet 2-core machine, more on a busy one.</summary>
    private const int ReadySeconds = 90;

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(ReadySeconds);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"CallService exited with {_process.ExitCode}:\n{Output}");
            try
            {
                using var response = await Http.GetAsync("/healthz");
                if (response.IsSuccessStatusCode && await RtmpPortOpenAsync())
                    return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"CallService did not become ready in {ReadySeconds} s:\n{Output}");
    }

    private async Task<bool> RtmpPortOpenAsync()
    {
        using var client = new System.Net.Sockets.TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", RtmpPort);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The CallService process's id.</summary>
    public int ProcessId => _process.Id;
    public int ExitCode => _process.ExitCode;

    /// <summary><c>kill -9</c>: the process gets no chance to clean up (a crash, a lost machine).</summary>
    public void KillAbruptly() => _process.Kill();

    /// <summary>Sends <c>SIGTERM</c> (what systemd, Docker and Kubernetes send to stop a process).</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
            throw new InvalidOperationException($"kill -TERM {_process.Id} exited with {kill.ExitCode}");
    }

    /// <summary>Waits up to <paramref name="timeout"/>; true when the process exited in time.</summary>
    public Task<bool> WaitForExitAsync(TimeSpan timeout) => _process.ExitedWithinAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
