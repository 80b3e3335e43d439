using System.Diagnostics;
using System.Globalization;

namespace RtmpTestClient.Servers;

/// <summary>
/// nginx with Debian's <c>libnginx-mod-rtmp</c>, started on loopback in the foreground (one process:
/// <c>master_process off</c>) with a config written to a temp prefix. Used as a reference RTMP server to
/// validate the test client and as the comparison target of the load tests.
/// </summary>
public sealed class NginxRtmpServer : IAsyncDisposable
{
    /// <summary>Where Debian installs the module.</summary>
    public const string ModulePath = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

    /// <summary>
    /// The config used when none is given. <c>{module}</c>, <c>{prefix}</c> and <c>{rtmp_port}</c> are substituted.
    /// Low-latency live settings: no GOP cache exists in nginx-rtmp; <c>wait_key</c> starts viewers at a keyframe.
    /// </summary>
    public const string DefaultConfigTemplate = """
        load_module {module};
        daemon off;
        master_process off;
        worker_processes 1;
        worker_rlimit_nofile 16384;
        pid {prefix}/nginx.pid;
        error_log {prefix}/error.log warn;
        events { worker_connections 8192; }
        rtmp {
            server {
                listen 127.0.0.1:{rtmp_port};
                chunk_size 4096;
                buflen 100ms;
                application live {
                    live on;
                    record off;
                    wait_key on;
                    wait_video on;
                    idle_streams off;
                    drop_idle_publisher 10s;
                }
            }
        }
        """;

    private readonly Process _process;

    private NginxRtmpServer(Process process, string prefix, int rtmpPort)
    {
        _process = process;
        Prefix = prefix;
        RtmpPort = rtmpPort;
    }

    /// <summary>True when the nginx binary and the RTMP module are installed.</summary>
    public static bool IsInstalled => ProcessTools.FindOnPath("nginx") is not null && File.Exists(ModulePath);

    /// <summary>The temp directory holding the config, pid and error log.</summary>
    public string Prefix { get; }

    /// <summary>The RTMP port on 127.0.0.1.</summary>
    public int RtmpPort { get; }

    /// <summary>The nginx process id (for CPU/RSS sampling).</summary>
    public int ProcessId => _process.Id;

    /// <summary><c>rtmp://127.0.0.1:{port}/live</c>.</summary>
    public string LiveBaseUrl => $"rtmp://127.0.0.1:{RtmpPort}/live";

    /// <summary>Starts nginx and waits until it accepts connections.</summary>
    public static async Task<NginxRtmpServer> StartAsync(string? configTemplate = null, TimeSpan? timeout = null)
    {
        var nginx = ProcessTools.FindOnPath("nginx") ?? throw new InvalidOperationException("nginx is not installed.");
        var prefix = Directory.CreateTempSubdirectory("nginx-rtmp-").FullName;
        var port = ProcessTools.FreeTcpPort();
        var config = (configTemplate ?? DefaultConfigTemplate)
            .Replace("{module}", ModulePath, StringComparison.Ordinal)
            .Replace("{prefix}", prefix, StringComparison.Ordinal)
            .Replace("{rtmp_port}", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var configPath = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(configPath, config).ConfigureAwait(false);

        var psi = new ProcessStartInfo(nginx, ["-p", prefix, "-e", Path.Combine(prefix, "error.log"), "-c", configPath])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        var process = Process.Start(psi) ?? throw new InvalidOperationException("nginx did not start.");
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var server = new NginxRtmpServer(process, prefix, port);
        try
        {
            try
            {
                await ProcessTools.WaitForPortAsync(port, timeout ?? TimeSpan.FromSeconds(10), () => process.HasExited).ConfigureAwait(false);
            }
            catch (TimeoutException) when (process.HasExited)
            {
            }
            if (process.HasExited)
                throw new InvalidOperationException($"nginx exited with {process.ExitCode}: {server.ReadErrorLog()}");
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The error log so far (for failure messages).</summary>
    public string ReadErrorLog()
    {
        var path = Path.Combine(Prefix, "error.log");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    /// <summary>Stops nginx and deletes the prefix.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
        _process.Dispose();
        try
        {
            Directory.Delete(Prefix, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
