namespace CallMedia.Delivery.Framing;

/// <summary>
/// Turns a viewer's queued items into bytes on its connection: one gathered output per writer wake-up
/// (<see cref="FlushAsync"/>). Framings that can split a message (RTMP chunks) let audio overtake the rest of a
/// large video message; whole-message framings (FLV tags) cannot.
/// </summary>
internal interface IFraming : IDisposable
{
    /// <summary>Messages can go out in parts with other messages between them (RTMP chunk streams interleave).</summary>
    bool CanSplit { get; }

    /// <summary>A video message is being sent in parts.</summary>
    bool HasPartial { get; }

    /// <summary>The smallest part a split message goes out in (the RTMP chunk size); 0 when messages are whole.</summary>
    int PieceBytes { get; }

    /// <summary>
    /// Adapts to a pipe budget of <paramref name="budgetBytes"/> (RTMP: smaller chunks while the budget cannot hold two,
    /// so a video chunk never holds the audio behind it for long). Called at each wake-up, before anything is framed.
    /// </summary>
    void AdaptTo(int budgetBytes);

    /// <summary>
    /// Announces a Window Acknowledgement Size of <paramref name="windowBytes"/> to the peer (RTMP spec §5.4.4), framed
    /// before what follows; false when the framing has no acknowledgements (FLV) or that window is already announced.
    /// </summary>
    bool AnnounceAckWindow(int windowBytes);

    /// <summary>Payload bytes of the partial message still to send (0 without one).</summary>
    int PartialRemainingBytes { get; }

    /// <summary>Bytes framed since the last flush (headers included).</summary>
    int PendingBytes { get; }

    /// <summary>Frames a whole item (headers and payload, or the payload referenced until the flush); returns its payload bytes.</summary>
    int Write(in DeliveryItem item);

    /// <summary>Starts sending <paramref name="item"/> in parts, about <paramref name="maxBytes"/> now. True when it went out whole after all (the caller keeps ownership); otherwise the framing holds the item until done.</summary>
    bool BeginPartial(in DeliveryItem item, int maxBytes);

    /// <summary>Frames about <paramref name="maxBytes"/> more of the partial message; when it is done, hands it back in <paramref name="finished"/> (to release after the flush).</summary>
    int ContinuePartial(int maxBytes, out DeliveryItem? finished);

    /// <summary>Sends what was framed since the last flush. False when the output is closed.</summary>
    ValueTask<bool> FlushAsync(CancellationToken cancellationToken);
}
