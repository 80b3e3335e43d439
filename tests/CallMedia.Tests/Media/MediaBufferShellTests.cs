using CallMedia.Media;

namespace CallMedia.Tests.Media;

/// <summary>Released payload shells are reused, first from the releasing thread's own stack, and come back clean.</summary>
public sealed class MediaBufferShellTests
{
    /// <summary>Runs <paramref name="body"/> on a thread of its own: its per-thread stack starts empty (not in poisoned builds).</summary>
    private static void OnFreshThread(Action body)
    {
        if (MediaBuffer.PoisoningCompiled)
            return; // poisoned shells (MediaBufferPoisonTests) are never reused
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { body(); }
            catch (Exception ex) { failure = ex; }
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "the test thread did not end");
        if (failure is not null)
            throw new Xunit.Sdk.XunitException($"on the test thread: {failure}");
    }

    [Fact]
    public void AReleasedShell_IsTheNextRentOnTheSameThread()
    {
        OnFreshThread(() =>
        {
            Assert.Equal(0, MediaBuffer.ThreadShellCount);
            var first = MediaBuffer.Rent(100);
            first.Release();
            Assert.Equal(1, MediaBuffer.ThreadShellCount);
            var second = MediaBuffer.Rent(7);
            Assert.Same(first, second);
            Assert.Equal(0, MediaBuffer.ThreadShellCount);
            Assert.Equal(7, second.Length);
            Assert.Equal(0, second.Offset);
            Assert.False(second.IsShared);
            second.Release();
        });
    }

    [Fact]
    public void ASliceShell_ComesBackWithoutItsOffsetOrParent()
    {
        OnFreshThread(() =>
        {
            var parent = MediaBuffer.Rent(64);
            parent.Array.AsSpan(0, 64).Fill(9);
            var slice = MediaBuffer.Slice(parent, 10, 20);
            Assert.True(parent.IsShared);
            slice.Release();
            Assert.False(parent.IsShared); // the slice gave its reference on the parent back
            var reused = MediaBuffer.Rent(5);
            Assert.Same(slice, reused);
            Assert.Equal(0, reused.Offset);
            Assert.Equal(5, reused.Length);
            reused.Array.AsSpan(0, 5).Fill(1);
            Assert.Equal(9, parent.Span[10]); // not the parent's array
            reused.Release();
            parent.Release();
        });
    }

    [Fact]
    public void AThreadKeepsAtMostItsShare_TheRestGoesToTheSharedQueue()
    {
        OnFreshThread(() =>
        {
            var buffers = Enumerable.Range(0, MediaBuffer.ThreadShells + 10).Select(_ => MediaBuffer.Rent(16)).ToList();
            foreach (var buffer in buffers)
                buffer.Release();
            Assert.Equal(MediaBuffer.ThreadShells, MediaBuffer.ThreadShellCount);
            // Taken back newest first: the last ones this thread kept.
            var again = MediaBuffer.Rent(16);
            Assert.Same(buffers[MediaBuffer.ThreadShells - 1], again);
            again.Release();
        });
    }
}
