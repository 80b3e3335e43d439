using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CallMedia.Rtmp.Handshake;

/// <summary>Which handshake the client used.</summary>
internal enum HandshakeKind
{
    Plain,
    DigestSchema0,
    DigestSchema1,
}

/// <summary>
/// The server side of the RTMP handshake (RTMP spec §5.2 for plain; FP9 digest for Flash-era clients and
/// FFmpeg). Given C1, produces S0+S1+S2. C2 is read and ignored: clients disagree on its content and
/// nothing depends on it.
/// </summary>
internal static class ServerHandshake
{
    public const byte RtmpVersion = 3;
    public const int PacketSize = HandshakeDigest.PacketSize;

    /// <summary>Version bytes in S1 for the digest handshake (an FMS-like version; FFmpeg checks byte 4 ≥ 3).</summary>
    private static readonly byte[] ServerVersion = [0x04, 0x05, 0x00, 0x01];

    /// <summary>Detects the client's handshake kind from C1.</summary>
    public static HandshakeKind Detect(ReadOnlySpan<byte> c1, out int clientDigestOffset)
    {
        clientDigestOffset = 0;
        if (BinaryPrimitives.ReadUInt32BigEndian(c1[4..8]) == 0)
            return HandshakeKind.Plain;
        if (HandshakeDigest.Validate(c1, 0, HandshakeDigest.PlayerKey, out clientDigestOffset))
            return HandshakeKind.DigestSchema0;
        if (HandshakeDigest.Validate(c1, 1, HandshakeDigest.PlayerKey, out clientDigestOffset))
            return HandshakeKind.DigestSchema1;
        return HandshakeKind.Plain;
    }

    /// <summary>Builds S0+S1+S2 (3073 bytes) answering <paramref name="c1"/>.</summary>
    public static byte[] CreateResponse(ReadOnlySpan<byte> c1, uint serverTime, out HandshakeKind kind)
    {
        kind = Detect(c1, out var clientDigestOffset);
        var response = new byte[1 + 2 * PacketSize];
        response[0] = RtmpVersion;
        var s1 = response.AsSpan(1, PacketSize);
        var s2 = response.AsSpan(1 + PacketSize, PacketSize);
        RandomNumberGenerator.Fill(s1[8..]);
        BinaryPrimitives.WriteUInt32BigEndian(s1, serverTime);

        if (kind == HandshakeKind.Plain)
        {
            // S1 version zero; S2 echoes C1 (RTMP spec §5.2.4).
            c1.CopyTo(s2);
            return response;
        }

        ServerVersion.CopyTo(s1[4..]);
        HandshakeDigest.Sign(s1, kind == HandshakeKind.DigestSchema0 ? 0 : 1, HandshakeDigest.ServerKey);
        RandomNumberGenerator.Fill(s2);
        HandshakeDigest.SignResponse(s2, c1.Slice(clientDigestOffset, HandshakeDigest.DigestLength), HandshakeDigest.ServerKeyFull);
        return response;
    }
}
