using System.Net;
using System.Net.Sockets;

namespace RtmpTestClient.Servers;

/// <summary>Small helpers for starting servers under test on loopback.</summary>
public static class ProcessTools
{
    /// <summary>An ephemeral loopback port that was free a moment ago.</summary>
    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Full path of an executable on PATH (or an absolute path that exists), else null.</summary>
    public static string? FindOnPath(string name)
    {
        if (Path.IsPathRooted(name))
            return File.Exists(name) ? name : null;
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin").Append("/usr/local/sbin")
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Waits until a TCP connect to 127.0.0.1:<paramref name="port"/> succeeds. Throws <see cref="TimeoutException"/>.</summary>
    public static async Task WaitForPortAsync(int port, TimeSpan timeout, Func<bool>? hasExited = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && hasExited?.Invoke() != true)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                throw new TimeoutException($"Nothing listens on 127.0.0.1:{port} after {timeout}.", ex);
            }
        }
    }
}
