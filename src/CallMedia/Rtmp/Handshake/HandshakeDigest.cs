using System.Security.Cryptography;
using System.Text;

namespace CallMedia.Rtmp.Handshake;

/// <summary>
/// The FP9 ("complex") handshake digest: an HMAC-SHA256 over the 1536-byte packet minus 32 digest bytes,
/// placed at an offset derived from four bytes of the packet. Schema 0 keeps the digest block second
/// (offset bytes at 772, digest at sum % 728 + 776); schema 1 keeps it first (offset bytes at 8, digest at
/// sum % 728 + 12). Keys: "Genuine Adobe Flash Player 001" for the client, "Genuine Adobe Flash Media
/// Server 001" for the server, each followed by the same 32 constant bytes when used for the S2/C2 key.
/// </summary>
internal static class HandshakeDigest
{
    public const int PacketSize = 1536;
    public const int DigestLength = 32;

    private static readonly byte[] Tail =
    [
        0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
        0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE,
    ];

    /// <summary>Client key: 30 ASCII bytes, then (for the full 62-byte key) <see cref="Tail"/>.</summary>
    public static readonly byte[] PlayerKeyFull = [.. Encoding.ASCII.GetBytes("Genuine Adobe Flash Player 001"), .. Tail];

    /// <summary>Server key: 36 ASCII bytes, then (for the full 68-byte key) <see cref="Tail"/>.</summary>
    public static readonly byte[] ServerKeyFull = [.. Encoding.ASCII.GetBytes("Genuine Adobe Flash Media Server 001"), .. Tail];

    public static ReadOnlySpan<byte> PlayerKey => PlayerKeyFull.AsSpan(0, 30);

    public static ReadOnlySpan<byte> ServerKey => ServerKeyFull.AsSpan(0, 36);

    /// <summary>Digest offset within a packet for <paramref name="schema"/> (0 or 1).</summary>
    public static int DigestOffset(ReadOnlySpan<byte> packet, int schema)
    {
        var basePos = schema == 0 ? 772 : 8;
        var sum = packet[basePos] + packet[basePos + 1] + packet[basePos + 2] + packet[basePos + 3];
        return sum % 728 + basePos + 4;
    }

    /// <summary>HMAC-SHA256 with <paramref name="key"/> over the packet without the 32 bytes at <paramref name="digestOffset"/>.</summary>
    public static byte[] Compute(ReadOnlySpan<byte> packet, int digestOffset, ReadOnlySpan<byte> key)
    {
        Span<byte> joined = stackalloc byte[PacketSize - DigestLength];
        packet[..digestOffset].CopyTo(joined);
        packet[(digestOffset + DigestLength)..].CopyTo(joined[digestOffset..]);
        return HMACSHA256.HashData(key, joined);
    }

    /// <summary>True when the packet carries a valid digest for <paramref name="schema"/> under <paramref name="key"/>.</summary>
    public static bool Validate(ReadOnlySpan<byte> packet, int schema, ReadOnlySpan<byte> key, out int digestOffset)
    {
        digestOffset = DigestOffset(packet, schema);
        var expected = Compute(packet, digestOffset, key);
        return CryptographicOperations.FixedTimeEquals(expected, packet.Slice(digestOffset, DigestLength));
    }

    /// <summary>Writes a digest into <paramref name="packet"/> for <paramref name="schema"/>; returns its offset.</summary>
    public static int Sign(Span<byte> packet, int schema, ReadOnlySpan<byte> key)
    {
        var offset = DigestOffset(packet, schema);
        Compute(packet, offset, key).CopyTo(packet[offset..]);
        return offset;
    }

    /// <summary>
    /// The S2 (or C2) of the digest handshake: random bytes whose last 32 bytes are
    /// HMAC(HMAC(fullKey, peerDigest), first 1504 bytes).
    /// </summary>
    public static void SignResponse(Span<byte> response, ReadOnlySpan<byte> peerDigest, ReadOnlySpan<byte> fullKey)
    {
        var key = HMACSHA256.HashData(fullKey, peerDigest);
        HMACSHA256.HashData(key, response[..(PacketSize - DigestLength)]).CopyTo(response[(PacketSize - DigestLength)..]);
    }

    /// <summary>Checks an S2/C2 produced by <see cref="SignResponse"/>.</summary>
    public static bool ValidateResponse(ReadOnlySpan<byte> response, ReadOnlySpan<byte> ownDigest, ReadOnlySpan<byte> peerFullKey)
    {
        var key = HMACSHA256.HashData(peerFullKey, ownDigest);
        var expected = HMACSHA256.HashData(key, response[..(PacketSize - DigestLength)]);
        return CryptographicOperations.FixedTimeEquals(expected, response[(PacketSize - DigestLength)..]);
    }
}
