using System.Text;
using System.Text.Json;
using CallService.Common.Json;

namespace CallService.Tests.Common;

/// <summary>
/// <see cref="JsonScratch"/>: each encoding starts empty whatever the previous one left (a finished one or one abandoned
/// half-way), and the owner's slot is cleared only after an encoding that grew the buffer past the kept size.
/// </summary>
public sealed class JsonScratchTests
{
    [Fact]
    public void EncodingsOneAfterAnother_EachGiveOnlyTheirOwnBytes()
    {
        var scratch = new JsonScratch(default, initialBytes: 16, keptBytes: 1024);

        var json = scratch.Start();
        json.WriteStartObject();
        json.WriteString("a", "first, and longer than the second");
        json.WriteEndObject();
        Assert.Equal("""{"a":"first, and longer than the second"}""", Encoding.UTF8.GetString(scratch.Written()));

        json = scratch.Start();
        json.WriteStartArray(); // abandoned half-way: an exception in the owner's encoding
        json.WriteNumberValue(7);

        json = scratch.Start();
        json.WriteNumberValue(2);
        Assert.Equal("2", Encoding.UTF8.GetString(scratch.Written()));
    }

    [Fact]
    public void TheWritersOptions_AreKept()
    {
        var scratch = new JsonScratch(new JsonWriterOptions { Indented = true }, initialBytes: 16, keptBytes: 1024);

        var json = scratch.Start();
        json.WriteStartObject();
        json.WriteNumber("n", 1);
        json.WriteEndObject();

        Assert.Contains("\n", Encoding.UTF8.GetString(scratch.Written()));
    }

    [Fact]
    public void Return_KeepsASmallScratch_AndLetsGoOneThatGrewPastTheKeptSize()
    {
        JsonScratch? slot = new JsonScratch(default, initialBytes: 64, keptBytes: 1024); // the writer asks for 256 bytes at least
        var kept = slot;
        slot.Start().WriteStringValue(new string('x', 100));
        Assert.Equal(102, slot.Written().Length);
        JsonScratch.Return(ref slot);
        Assert.Same(kept, slot);

        slot!.Start().WriteStringValue(new string('x', 2000));
        Assert.Equal(2002, slot.Written().Length);
        JsonScratch.Return(ref slot);
        Assert.Null(slot);

        JsonScratch.Return(ref slot); // an empty slot stays empty
        Assert.Null(slot);
    }
}
