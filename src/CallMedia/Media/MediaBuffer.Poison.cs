using System.Diagnostics;

namespace CallMedia.Media;

/// <summary>
/// Poisoned shells, a test aid compiled only with <c>MEDIA_BUFFER_POISON</c> (<c>-p:MediaBufferPoison=true</c>;
/// see <c>src/CallMedia/README.md</c>): a released shell is never reused, every read of
/// it (<see cref="Length"/>, <see cref="Array"/>, <see cref="IsShared"/>, …) and every <see cref="Retain"/> or extra
/// <see cref="Release"/> throws, and the message names where its last reference was released. Without the symbol the
/// calls below compile to nothing (Release builds: no cost on the relay's path): a shell goes back to the pool at its last
/// release, and a holder that releases once too often (or reads after its release) silently takes the reference of the
/// shell's next owner, who then reads another message's bytes.
/// </summary>
internal sealed partial class MediaBuffer
{
#if MEDIA_BUFFER_POISON
    /// <summary>Where the last reference was released (frames without file info: cheap enough for a test run).</summary>
    private StackTrace? _releasedAt;

    /// <summary>Every misuse seen in this process, for a test run to report (also thrown where it happens).</summary>
    internal static readonly System.Collections.Concurrent.ConcurrentQueue<string> Violations = new();
#endif

    /// <summary>Poisoning is compiled in (<c>MEDIA_BUFFER_POISON</c>).</summary>
    internal static bool PoisoningCompiled =>
#if MEDIA_BUFFER_POISON
        true;
#else
        false;
#endif

    [Conditional("MEDIA_BUFFER_POISON")]
    private void CheckAlive()
    {
        if (Volatile.Read(ref _array) is null)
            throw Dead();
    }

    [Conditional("MEDIA_BUFFER_POISON")]
    private void OnLastRelease()
    {
#if MEDIA_BUFFER_POISON
        _releasedAt = new StackTrace(1, false);
#endif
    }

    [Conditional("MEDIA_BUFFER_POISON")]
    private void OnReleasedTooOften()
    {
#if MEDIA_BUFFER_POISON
        throw new InvalidOperationException(Report("released once more than it was retained"));
#endif
    }

    /// <summary>The exception for a use of a released shell (with poisoning, where it was released).</summary>
    private Exception Dead() =>
#if MEDIA_BUFFER_POISON
        new ObjectDisposedException(nameof(MediaBuffer), Report("used after its last release"));
#else
        new ObjectDisposedException(nameof(MediaBuffer));
#endif

#if MEDIA_BUFFER_POISON
    /// <summary>Records a misuse (and appends it to the file <c>MEDIA_BUFFER_POISON_LOG</c> names, if set); returns its text.</summary>
    private string Report(string what)
    {
        var text = $"MediaBuffer {what}. Now at:\n{new StackTrace(2, false)}\nLast reference released at:\n{_releasedAt?.ToString() ?? "(not released)"}";
        Violations.Enqueue(text);
        if (Environment.GetEnvironmentVariable("MEDIA_BUFFER_POISON_LOG") is { Length: > 0 } log)
        {
            lock (Violations)
                File.AppendAllText(log, text + "\n----\n");
        }
        return text;
    }
#endif
}
