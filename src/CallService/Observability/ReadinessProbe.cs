using System.Text.Json.Serialization;
using CallMedia.Hosting;
using CallService.Cluster;
using CallService.Storage;
using Microsoft.Extensions.Options;

namespace CallService.Observability;

/// <summary><c>Readiness:*</c>: how long <c>/readyz</c> waits for the store's probe write.</summary>
internal sealed class ReadinessOptions
{
    public const string SectionName = "Readiness";

    /// <summary>Milliseconds the store's probe write may take before the node is reported not ready (50-60000, default 1000).</summary>
    public int StoreProbeTimeoutMs { get; set; } = 1000;
}

/// <summary>What <c>/readyz</c> found.</summary>
/// <param name="Status"><c>ready</c> or <c>not_ready</c>.</param>
/// <param name="Checks">Each check (<c>store</c>, <c>rtmp</c>; <c>drain</c> = <c>draining</c> while the node drains) → <c>ok</c> or what failed.</param>
internal sealed record ReadinessReport(string Status, IReadOnlyDictionary<string, string> Checks)
{
    [JsonIgnore]
    public bool Ready => Status == "ready";

    /// <summary>The failed checks, in one sentence (the 503's <c>detail</c>).</summary>
    [JsonIgnore]
    public string Reason => string.Join(" ", Checks.Where(c => c.Value != ReadinessProbe.Ok).Select(c => c.Value));
}

/// <summary>
/// The readiness of this node: the store takes a real write (<see cref="ICallStore.ProbeWrite"/>, within
/// <see cref="ReadinessOptions.StoreProbeTimeoutMs"/>) and the relay's RTMP listener is bound
/// (<see cref="IRelayEndpoints.RtmpListening"/>); a draining node (<see cref="DrainState"/>) is not ready either. One probe write runs at a time: concurrent checks share it, so a hung
/// store never piles up blocked threads.
/// </summary>
internal sealed class ReadinessProbe(
    ICallStore store, TimeProvider time, IOptions<ReadinessOptions> options, ILogger<ReadinessProbe> logger, IRelayEndpoints? relay = null,
    DrainState? drain = null)
{
    public const string Ok = "ok";

    /// <summary>The <c>drain</c> check of a node that drains (present only then): it takes no new placements.</summary>
    public const string Draining = "draining";

    private readonly Lock _gate = new();
    private Task? _write;

    public async Task<ReadinessReport> CheckAsync(CancellationToken cancellationToken)
    {
        var storeCheck = await ProbeStoreAsync(cancellationToken);
        var rtmpCheck = relay switch
        {
            null => "The RTMP listener is not hosted in this process.",
            { RtmpListening: true } => Ok,
            _ => "The RTMP listener is not bound (the relay has not started or has stopped).",
        };
        var checks = new Dictionary<string, string> { ["store"] = storeCheck, ["rtmp"] = rtmpCheck };
        if (drain is { IsDraining: true }) checks["drain"] = Draining; // a load balancer sends new calls elsewhere
        return new ReadinessReport(checks.Values.All(v => v == Ok) ? "ready" : "not_ready", checks);
    }

    private async Task<string> ProbeStoreAsync(CancellationToken cancellationToken)
    {
        Task write;
        lock (_gate)
        {
            if (_write is not { IsCompleted: false })
                _write = Task.Run(() => store.ProbeWrite(time.GetUtcNow()), CancellationToken.None);
            write = _write;
        }
        var timeout = TimeSpan.FromMilliseconds(options.Value.StoreProbeTimeoutMs);
        try
        {
            await write.WaitAsync(timeout, cancellationToken);
            return Ok;
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Readiness: the store's probe write did not complete within {TimeoutMs} ms", options.Value.StoreProbeTimeoutMs);
            return $"The store did not complete a write within {options.Value.StoreProbeTimeoutMs} ms.";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Readiness: the store's probe write failed");
            return $"The store is not writable: {FirstLine(e.Message)}";
        }
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 200 ? line[..200] + "…" : line;
    }
}
