using System.Net;
using System.Net.Sockets;

namespace TestSupport;

/// <summary>Finds a free TCP port on 127.0.0.1 (bind to 0, read, release).</summary>
public static class FreePort
{
    /// <summary>A port on 127.0.0.1 free at the time of the call (another process may take it before it is bound).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
