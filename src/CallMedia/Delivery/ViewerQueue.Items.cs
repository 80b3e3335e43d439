namespace CallMedia.Delivery;

/// <summary>
/// The queued items: an array of the queue's own, the live ones at <c>[_head, _count)</c> (the writer takes from the head;
/// the array is compacted when it empties). Not a <see cref="List{T}"/>: its object would be one more, cold by the next
/// message on a relay with many viewers, touched by every offer and every drain (docs/performance-notes.md, session 10).
/// Every member runs under the queue's lock.
/// </summary>
internal sealed partial class ViewerQueue
{
    private DeliveryItem[] _items = [];
    private int _count;

    /// <summary>Appends <paramref name="item"/> after the last one (grows the array as a list does: 4, then doubling).</summary>
    private void Append(in DeliveryItem item)
    {
        if (_count == _items.Length)
            Grow();
        _items[_count++] = item;
    }

    /// <summary>Puts <paramref name="item"/> before every other one (the head is at 0: nothing was taken since the last compaction).</summary>
    private void InsertFirst(in DeliveryItem item)
    {
        if (_count == _items.Length)
            Grow();
        System.Array.Copy(_items, 0, _items, 1, _count);
        _items[0] = item;
        _count++;
    }

    /// <summary>Forgets the items from <paramref name="count"/> on (their payload references are the caller's concern) and, at 0, the head.</summary>
    private void TruncateItems(int count)
    {
        System.Array.Clear(_items, count, _count - count); // no payload kept reachable from a slot
        _count = count;
    }

    private void Grow() => System.Array.Resize(ref _items, Math.Max(4, _items.Length * 2));
}
