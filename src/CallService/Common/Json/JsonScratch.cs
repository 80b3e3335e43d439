using System.Buffers;
using System.Text.Json;

namespace CallService.Common.Json;

/// <summary>
/// A <see cref="Utf8JsonWriter"/> and the buffer it writes into, made once and reused for every encoding on one
/// thread: the owner keeps one in a <c>[ThreadStatic]</c> field and lets <see cref="Return"/> drop it after a rare large
/// encoding, so a thread keeps at most <c>keptBytes</c>.
/// </summary>
/// <remarks>
/// A new writer per encoding is three allocations beside the result (the writer, its buffer and the buffer's growth).
/// Encodings on one thread must not overlap (<see cref="Start"/> resets what the previous one wrote); the owners encode
/// synchronously and copy the bytes out before returning.
/// </remarks>
internal sealed class JsonScratch
{
    private readonly ArrayBufferWriter<byte> _buffer;
    private readonly Utf8JsonWriter _json;
    private readonly int _keptBytes;

    /// <param name="options">The writer's options (encoder, validation), fixed for the scratch's life.</param>
    /// <param name="initialBytes">The buffer's first capacity, bytes.</param>
    /// <param name="keptBytes">The largest buffer kept after an encoding, bytes; a larger one is let go.</param>
    public JsonScratch(JsonWriterOptions options, int initialBytes, int keptBytes)
    {
        _buffer = new ArrayBufferWriter<byte>(initialBytes);
        _json = new Utf8JsonWriter(_buffer, options);
        _keptBytes = keptBytes;
    }

    /// <summary>The writer, emptied and pointed at the empty buffer.</summary>
    public Utf8JsonWriter Start()
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        return _json;
    }

    /// <summary>Flushes the writer and gives what was written since <see cref="Start"/>; valid until the next start.</summary>
    public ReadOnlySpan<byte> Written()
    {
        _json.Flush();
        return _buffer.WrittenSpan;
    }

    /// <summary>Clears <paramref name="slot"/> when its buffer grew past the kept size (a rare large encoding).</summary>
    public static void Return(ref JsonScratch? slot)
    {
        if (slot is { } scratch && scratch._buffer.Capacity > scratch._keptBytes) slot = null;
    }
}
