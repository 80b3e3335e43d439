using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace CallMedia.Delivery.Framing;

/// <summary>
/// FLV tag framing (FLV spec v10.1 annex E) onto an HTTP response body: the FLV header before the first tag (flags
/// from <paramref name="streamFlags"/>, asked then), then one tag per media item; control items do not exist in FLV
/// and are skipped. Tags are whole (<see cref="CanSplit"/> is false). Kestrel's response pipe copies the payload.
/// </summary>
internal sealed class FlvTagFraming(PipeWriter writer, Func<(bool HasAudio, bool HasVideo)> streamFlags) : IFraming
{
    private bool _headerWritten;
    private int _pending;

    public bool CanSplit => false;

    public bool HasPartial => false;

    public int PartialRemainingBytes => 0;

    public int PieceBytes => 0;

    public void AdaptTo(int budgetBytes)
    {
    }

    public bool AnnounceAckWindow(int windowBytes) => false; // HTTP has no acknowledgements of its own

    public int PendingBytes => _pending;

    public int Write(in DeliveryItem item)
    {
        if (!_headerWritten)
        {
            var (hasAudio, hasVideo) = streamFlags();
            FlvFormat.WriteFileHeader(writer.GetSpan(FlvFormat.FileHeaderLength), hasAudio, hasVideo);
            writer.Advance(FlvFormat.FileHeaderLength);
            _headerWritten = true;
        }
        if (item.IsControl)
            return 0;
        var length = item.Payload.Length;
        FlvFormat.WriteTagHeader(writer.GetSpan(FlvFormat.TagHeaderLength), item.MessageType, length, item.Timestamp);
        writer.Advance(FlvFormat.TagHeaderLength);
        writer.Write(item.Payload.Span);
        BinaryPrimitives.WriteUInt32BigEndian(writer.GetSpan(4), (uint)(length + FlvFormat.TagHeaderLength));
        writer.Advance(4);
        _pending += length + FlvFormat.TagHeaderLength + 4;
        return length;
    }

    public bool BeginPartial(in DeliveryItem item, int maxBytes) => throw new NotSupportedException("FLV tags are whole");

    public int ContinuePartial(int maxBytes, out DeliveryItem? finished) => throw new NotSupportedException("FLV tags are whole");


    // Pooled state machine: this is awaited once per wake-up of every connection (no allocation when it suspends).
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> FlushAsync(CancellationToken cancellationToken)
    {
        _pending = 0;
        var flush = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return !flush.IsCompleted && !flush.IsCanceled;
    }

    public void Dispose()
    {
    }
}
