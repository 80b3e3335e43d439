using CallMedia.Media;

namespace CallMedia.Tests.Media;

/// <summary>
/// A released <see cref="MediaBuffer"/>: unreadable in every build; with poisoned shells
/// (<c>-p:MediaBufferPoison=true</c>, test.sh's second pass) every use of it throws and names where its last reference was released.
/// </summary>
public sealed class MediaBufferPoisonTests
{
    [Fact]
    public void AReadAfterTheLastRelease_Throws_AndPoisoningNamesTheRelease()
    {
        var buffer = MediaBuffer.Rent(8);
        var slice = MediaBuffer.Slice(buffer, 2, 4);
        buffer.Release();
        Assert.Equal(4, slice.Span.Length); // the slice still holds its buffer
        ReleaseLastReference(slice);

        var read = Assert.Throws<ObjectDisposedException>(() => buffer.Array);
        Assert.Throws<ObjectDisposedException>(() => slice.Array);
        Assert.Throws<ObjectDisposedException>(() => buffer.Retain());
        if (!MediaBuffer.PoisoningCompiled)
            return;
        Assert.Contains("Last reference released at", read.Message);
        Assert.Contains(nameof(ReleaseLastReference), read.Message); // the slice's last release released the buffer
        Assert.Throws<ObjectDisposedException>(() => buffer.Length);
        Assert.Throws<ObjectDisposedException>(() => buffer.IsShared);
        var extra = Assert.Throws<InvalidOperationException>(() => slice.Release());
        Assert.Contains("released once more than it was retained", extra.Message);
        for (var i = 0; i < 64; i++)
        {
            var rented = MediaBuffer.Rent(8);
            Assert.NotSame(buffer, rented); // a dead shell stays dead
            Assert.NotSame(slice, rented);
            rented.Release();
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void ReleaseLastReference(MediaBuffer buffer) => buffer.Release();
}
