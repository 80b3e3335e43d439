namespace CallLoad.Targets;

/// <summary>A server speaking the coordinator's HTTP + WebSocket contract (docs/api.md): CallService or the ceiling stub.</summary>
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

    /// <summary>
    /// Every node's HTTP base URL (one for a single server). Parties' sockets and requests are spread over them
    /// (<see cref="Scenarios.NodeSpread"/>).
    /// </summary>
    IReadOnlyList<Uri> NodeUrls => [BaseUrl];

    /// <summary>Every server process whose CPU and RSS count as the server's (the nodes).</summary>
    IReadOnlyList<int> ServerProcessIds => ProcessId is { } pid ? [pid] : [];

    /// <summary>Database server processes (PostgreSQL's postmaster and backends), sampled apart; empty for SQLite.</summary>
    IReadOnlyList<int> DatabaseProcessIds() => [];

    /// <summary>Storage provider of the nodes (<c>sqlite</c>, <c>postgres</c>), or null for the ceiling.</summary>
    string? Provider => null;
}
