using CallService.Common;

namespace CallService.Tests.Common;

public class LogIdsTests
{
    [Fact]
    public void Few_AllNamed()
    {
        Assert.Equal("c1, c2", LogIds.Of(["c1", "c2"]));
        Assert.Equal("", LogIds.Of([]));
    }

    [Fact]
    public void Many_FirstNamed_RestCounted()
    {
        var ids = Enumerable.Range(1, 1000).Select(i => $"call-{i}").ToList();
        var line = LogIds.Of(ids);
        Assert.StartsWith("call-1, call-2, ", line);
        Assert.Contains("call-20 … and 980 more", line);
        Assert.DoesNotContain("call-21", line);
    }

    [Fact]
    public void ControlCharacters_Escaped()
    {
        var line = LogIds.Of(["a\nforged line"]);
        Assert.DoesNotContain("\n", line);
    }
}
