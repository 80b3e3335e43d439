using CallMedia.Media;

namespace CallMedia.Tests.Media;

/// <summary><see cref="ShortList{T}"/>: the relay's per-read lists (a read's messages, the writers it wakes).</summary>
public sealed class ShortListTests
{
    [Fact]
    public void Add_GrowsPastItsCapacity_KeepingTheOrder()
    {
        var list = new ShortList<string>(capacity: 2);
        for (var i = 0; i < 5; i++)
            list.Add($"m{i}");

        Assert.Equal(5, list.Count);
        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], list.AsSpan().ToArray());
        list[3] = "x";
        Assert.Equal("x", list[3]);
        Assert.Throws<ArgumentOutOfRangeException>(() => list[5]);
        Assert.Throws<ArgumentOutOfRangeException>(() => list[-1] = "y");
    }

    [Fact]
    public void Clear_EmptiesIt_AndLetsGoOfTheEntries()
    {
        var list = new ShortList<object>();
        var held = AddUnreferenced(list);
        list.Clear();

        Assert.Equal(0, list.Count);
        Assert.True(list.AsSpan().IsEmpty);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.False(held.IsAlive); // the array no longer references the entry
        list.Add("again");
        Assert.Equal("again", list[0]);
    }

    [Fact]
    public void RemoveFirst_MovesTheRestToTheFront_InOrder()
    {
        var list = new ShortList<string>();
        foreach (var item in new[] { "a", "b", "c", "d" })
            list.Add(item);

        list.RemoveFirst(1);
        Assert.Equal(["b", "c", "d"], list.AsSpan().ToArray());
        list.RemoveFirst(0);
        Assert.Equal(3, list.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => list.RemoveFirst(4));
        list.RemoveFirst(3);
        Assert.Equal(0, list.Count);
    }

    [Fact]
    public void RemoveFirst_LetsGoOfTheVacatedEntries()
    {
        var list = new ShortList<object>();
        list.Add("first");
        var held = AddUnreferenced(list);
        list.RemoveFirst(2);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.False(held.IsAlive); // the slot the entry moved out of is cleared
        Assert.Equal(0, list.Count);
    }

    // Not inlined: the entry's only reference is the list's.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference AddUnreferenced(ShortList<object> list)
    {
        var entry = new object();
        list.Add(entry);
        return new WeakReference(entry);
    }
}
