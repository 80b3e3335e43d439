namespace CallService.Calls.Live;

/// <summary>Timers of a call (ring timeout, recovery windows, grace periods) and the background work they start.</summary>
internal sealed partial class CallTransaction
{
    /// <summary>Starts <paramref name="timer"/> of <paramref name="entry"/>'s call for <see cref="CallChange.Start"/>.</summary>
    internal void StartTimer(CallEntry entry, OneShot timer, TimeSpan due, Action<Call, DateTimeOffset> fire) =>
        timer.Start(time, due, current => Fire(entry, timer, current, fire));

    /// <summary>A timer's change, through the call's gate like any other (it runs on a timer thread, which never waits).</summary>
    private void Fire(CallEntry entry, OneShot timer, Func<bool> current, Action<Call, DateTimeOffset> fire) =>
        Background(() => FireAsync(entry, timer, current, fire), entry, timer.Name);

    private async Task FireAsync(CallEntry entry, OneShot timer, Func<bool> current, Action<Call, DateTimeOffset> fire)
    {
        await entry.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (entry.Call.IsEnded || !current()) return;
            var change = NewChange(entry, null, Now());
            var before = entry.Call.State;
            fire(entry.Call, change.Now);
            if (entry.Call.State != before)
                logger.LogInformation("Call {CallId}: {Timer} fired", entry.Call.Id, timer.Name);
            await CommitAsync(change, before).ConfigureAwait(false);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>Timer work (fires, evictions) started and not finished yet.</summary>
    public int Running => Volatile.Read(ref _running);

    private int _running;

    /// <summary>Runs a timer's work without waiting for it (timer threads never wait); its failure is logged, never lost.</summary>
    private void Background(Func<Task> work, CallEntry entry, string what)
    {
        Interlocked.Increment(ref _running);
        _ = Run();

        async Task Run()
        {
            try
            {
                await work().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Call {CallId}: {Timer} failed", entry.Call.Id, what);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }
}
