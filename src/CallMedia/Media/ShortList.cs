using System.Runtime.CompilerServices;

namespace CallMedia.Media;

/// <summary>
/// A list of a few entries that is filled and emptied once per publisher read (the read's messages, the writers it
/// wakes): an array and a count. <see cref="List{T}.Clear"/> of a type that holds references calls the non-generic
/// <see cref="Array.Clear(Array, int, int)"/> (≈ 50 instructions per call by callgrind, mostly type and bounds checks);
/// <see cref="Clear"/> here clears the used entries as a span. Not thread-safe.
/// </summary>
internal sealed class ShortList<T>
{
    private T[] _items;
    private int _count;

    /// <param name="capacity">Entries before the first growth (the array doubles when full).</param>
    public ShortList(int capacity = 4) => _items = new T[Math.Max(capacity, 1)];

    public int Count => _count;

    public T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count)
                ThrowIndex(index);
            return _items[index];
        }
        set
        {
            if ((uint)index >= (uint)_count)
                ThrowIndex(index);
            _items[index] = value;
        }
    }

    /// <summary>The entries, valid until the next change of the list.</summary>
    public ReadOnlySpan<T> AsSpan() => _items.AsSpan(0, _count);

    public void Add(T item)
    {
        if (_count == _items.Length)
            Array.Resize(ref _items, _items.Length * 2);
        _items[_count++] = item;
    }

    /// <summary>Empties the list; entries that hold references are cleared for the GC.</summary>
    public void Clear()
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
            _items.AsSpan(0, _count).Clear();
        _count = 0;
    }

    /// <summary>Removes the first <paramref name="count"/> entries; the rest move to the front, in order.</summary>
    public void RemoveFirst(int count)
    {
        if ((uint)count > (uint)_count)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"more than the {_count} entries");
        var rest = _count - count;
        _items.AsSpan(count, rest).CopyTo(_items);
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
            _items.AsSpan(rest, count).Clear();
        _count = rest;
    }

    private void ThrowIndex(int index) =>
        throw new ArgumentOutOfRangeException(nameof(index), index, $"not below the {_count} entries");
}
