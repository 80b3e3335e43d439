namespace CallService.Records;

/// <summary>
/// Opens the record store before the server takes requests and ends the calls the previous process left
/// unfinished (<c>service_restart</c>): their media and timers are gone, so they cannot continue.
/// </summary>
internal sealed class RecordsStartup(ICallRecordStore store, TimeProvider time, ILogger<RecordsStartup> logger)
{
    public void Run()
    {
        store.Initialize();
        var ended = store.EndUnfinished(time.GetUtcNow());
        if (ended.Count > 0)
            logger.LogWarning("Ended {Count} call(s) left unfinished by the previous run (service_restart): {CallIds}",
                ended.Count, string.Join(", ", ended));
    }
}
