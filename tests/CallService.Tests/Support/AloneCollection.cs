namespace CallService.Tests.Support;

/// <summary>
/// Tests that judge how fast an in-process host reacts to real peers (ffmpeg publishers killed or kicked): they run
/// after the parallel classes, alone. The host shares this process's thread pool with every other test class, and
/// some of those block pool threads on purpose (the store contract's <c>ConcurrentSaves_FromBlockedPoolThreads_…</c>
/// blocks 200); a clean-clone run saw such a class take 46–48 s and miss its event wait while others ran beside it.
/// Also tests that attach something process-wide (an <c>ActivityListener</c>) that would reach other classes' hosts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "Real-time flows, alone";
}
