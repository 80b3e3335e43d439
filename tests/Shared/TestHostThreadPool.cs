using System.Runtime.CompilerServices;

namespace TestHost;

/// <summary>
/// The test host keeps two thread-pool threads blocked for the whole run (vstest's message loop in <c>Socket.Poll</c>
/// and xunit's assembly runner in <c>WaitOne</c>), which on a 2-core machine are the pool's whole minimum: every
/// relay and peer continuation then waits for the pool's starvation injection (≈ 500 ms per thread), and the
/// loopback tests see stalls of 0.5–1 s that a relay process never has. Seen with <c>dotnet-stack</c>: the pool grew
/// from 3 to 7–8 threads during one 20 s slow-viewer run, both viewers' audio 0.5–1.1 s late at the same moments.
/// </summary>
internal static class TestHostThreadPool
{
    [ModuleInitializer]
    internal static void RaiseTheMinimum()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, Environment.ProcessorCount + 4), io);
    }
}
