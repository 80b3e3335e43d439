using System.Buffers.Binary;
using System.Text.Json;

namespace CallMedia.Hosting.ControlLink;

/// <summary>
/// Frames of the control channel: a 4-byte big-endian length, then that many bytes of UTF-8 JSON (one
/// <see cref="ControlMessage"/>). A frame is at most <see cref="MaxFrameBytes"/>.
/// </summary>
public static class ControlFraming
{
    /// <summary>Largest frame, bytes: a latest-GOP capture (<c>Media:LatestGopMaxBytes</c>, default 4 MiB) in base64 fits.</summary>
    public const int MaxFrameBytes = 64 * 1024 * 1024;

    /// <summary>The frame of <paramref name="message"/>: length prefix and JSON.</summary>
    public static byte[] Encode(ControlMessage message)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(message, ControlJson.Default.ControlMessage);
        if (json.Length > MaxFrameBytes) throw new InvalidDataException($"A control message of {json.Length} bytes is over the frame limit.");
        var frame = new byte[4 + json.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, json.Length);
        json.CopyTo(frame.AsSpan(4));
        return frame;
    }

    /// <summary>
    /// Reads one frame from <paramref name="stream"/>; null at a clean end of stream (between frames).
    /// </summary>
    /// <exception cref="InvalidDataException">Bad length, truncated frame or JSON that is not a control message.</exception>
    public static async ValueTask<ControlMessage?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        var got = await stream.ReadAtLeastAsync(header, 4, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got == 0) return null;
        if (got < 4) throw new InvalidDataException("The control channel ended inside a frame header.");
        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length is <= 0 or > MaxFrameBytes) throw new InvalidDataException($"Bad control frame length {length}.");
        var body = new byte[length];
        got = await stream.ReadAtLeastAsync(body, length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got < length) throw new InvalidDataException("The control channel ended inside a frame.");
        try
        {
            return JsonSerializer.Deserialize(body, ControlJson.Default.ControlMessage)
                   ?? throw new InvalidDataException("A control frame held JSON null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException("A control frame is not a control message: " + e.Message, e);
        }
    }
}
