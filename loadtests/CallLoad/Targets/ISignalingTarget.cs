namespace CallLoad.Targets;

/// <summary>A server speaking the coordinator's HTTP + WebSocket contract (issue 3): CallService or the ceiling stub.</summary>
public interface ISignalingTarget
{
    /// <summary>Name used in reports.</summary>
    string Name { get; }

    /// <summary>HTTP base URL on loopback.</summary>
    Uri BaseUrl { get; }

    /// <summary>API key for server-to-server endpoints (<c>POST /v1/tokens</c>).</summary>
    string ApiKey { get; }

    /// <summary>Server process for CPU/RSS sampling, when known.</summary>
    int? ProcessId { get; }
}
