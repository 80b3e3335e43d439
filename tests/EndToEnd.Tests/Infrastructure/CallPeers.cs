namespace EndToEnd.Tests.Infrastructure;

/// <summary>The four ffmpeg peers of a call.</summary>
internal sealed record CallPeers(RunningProcess PushA, RunningProcess PushB, RunningProcess PlayA, RunningProcess PlayB)
    : IAsyncDisposable
{
    public async Task<bool> AllExitAsync(TimeSpan timeout)
    {
        var results = await Task.WhenAll(new[] { PushA, PushB, PlayA, PlayB }.Select(p => p.WaitForExitAsync(timeout)));
        return results.All(exited => exited);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var process in new[] { PushA, PushB, PlayA, PlayB })
            process.Dispose();
        return ValueTask.CompletedTask;
    }
}
