namespace RtmpTestClient.Throttling;

/// <summary>
/// A read-side rate cap over a stream: reads at most <see cref="MaxReadSize"/> bytes at a time and sleeps after
/// each read as <see cref="ByteRateLimiter"/> says, so unread data backs up in the kernel like on a slow link.
/// Writes pass through untouched.
/// </summary>
public sealed class ThrottledStream : Stream
{
    private readonly Stream _inner;
    private readonly ByteRateLimiter _limiter;

    /// <summary>Wraps <paramref name="inner"/>; reads are capped at <paramref name="bytesPerSecond"/>.</summary>
    public ThrottledStream(Stream inner, long bytesPerSecond, TimeProvider? timeProvider = null)
    {
        _inner = inner;
        _limiter = new ByteRateLimiter(bytesPerSecond, 0, timeProvider);
        // ~20 ms of the cap per read keeps the pace smooth without a syscall per few bytes.
        MaxReadSize = (int)Math.Clamp(bytesPerSecond / 50, 256, 64 * 1024);
    }

    /// <summary>Largest single read handed to the inner stream.</summary>
    public int MaxReadSize { get; }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _inner.ReadAsync(buffer[..Math.Min(buffer.Length, MaxReadSize)], cancellationToken).ConfigureAwait(false);
        if (read > 0)
        {
            var wait = _limiter.Consume(read);
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        }
        return read;
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    /// <inheritdoc />
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(buffer, cancellationToken);

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.WriteAsync(buffer, offset, count, cancellationToken);

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    /// <inheritdoc />
    public override void Flush() => _inner.Flush();

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => _inner.CanWrite;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _inner.Dispose();
        base.Dispose(disposing);
    }
}
