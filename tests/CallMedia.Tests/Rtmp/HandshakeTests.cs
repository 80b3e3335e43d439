using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CallMedia.Rtmp.Handshake;

namespace CallMedia.Tests.Rtmp;

public sealed class HandshakeTests
{
    // Built here independently of the production helper: "Genuine Adobe Flash Player 001" and the FMS key + tail.
    private static readonly byte[] Tail = Convert.FromHexString("F0EEC24A8068BEE82E00D0D1029E7E576EEC5D2D29806FAB93B8E636CFEB31AE");
    private static readonly byte[] PlayerKey = Encoding.ASCII.GetBytes("Genuine Adobe Flash Player 001");
    private static readonly byte[] ServerKey = Encoding.ASCII.GetBytes("Genuine Adobe Flash Media Server 001");

    private static int Offset(byte[] packet, int schema)
    {
        var b = schema == 0 ? 772 : 8;
        return (packet[b] + packet[b + 1] + packet[b + 2] + packet[b + 3]) % 728 + b + 4;
    }

    private static byte[] Hmac(byte[] key, byte[] packet, int digestOffset) =>
        HMACSHA256.HashData(key, (byte[])[.. packet[..digestOffset], .. packet[(digestOffset + 32)..]]);

    private static byte[] DigestC1(int schema, int seed)
    {
        var c1 = new byte[1536];
        new Random(seed).NextBytes(c1);
        BinaryPrimitives.WriteUInt32BigEndian(c1, 0);
        c1[4] = 0x80; c1[5] = 0x00; c1[6] = 0x07; c1[7] = 0x02; // client version as FFmpeg sends
        var offset = Offset(c1, schema);
        Hmac(PlayerKey, c1, offset).CopyTo(c1, offset);
        return c1;
    }

    [Fact]
    public void Plain_C1WithZeroVersion_S2EchoesC1()
    {
        var c1 = new byte[1536];
        new Random(1).NextBytes(c1);
        c1[4] = c1[5] = c1[6] = c1[7] = 0;
        var response = ServerHandshake.CreateResponse(c1, 1234, out var kind);
        Assert.Equal(HandshakeKind.Plain, kind);
        Assert.Equal(3073, response.Length);
        Assert.Equal(3, response[0]);
        Assert.Equal(1234u, BinaryPrimitives.ReadUInt32BigEndian(response.AsSpan(1)));
        Assert.Equal(new byte[4], response[5..9]);
        Assert.Equal(c1, response[1537..]);
    }

    [Theory]
    [InlineData(0, 11)]
    [InlineData(1, 12)]
    [InlineData(0, 13)]
    [InlineData(1, 14)]
    public void Digest_ValidClientC1_ServerS1AndS2Verify(int schema, int seed)
    {
        var c1 = DigestC1(schema, seed);
        var response = ServerHandshake.CreateResponse(c1, 0, out var kind);
        Assert.Equal(schema == 0 ? HandshakeKind.DigestSchema0 : HandshakeKind.DigestSchema1, kind);

        var s1 = response[1..1537];
        var s2 = response[1537..];
        Assert.True(s1[4] >= 3, "FFmpeg validates S1 only when its version byte is ≥ 3; it must carry a digest");
        var s1Offset = Offset(s1, schema);
        Assert.Equal(Hmac(ServerKey, s1, s1Offset), s1[s1Offset..(s1Offset + 32)]);

        // S2: last 32 bytes = HMAC(HMAC(FMS key + tail, C1 digest), first 1504 bytes).
        var c1Offset = Offset(c1, schema);
        var key = HMACSHA256.HashData((byte[])[.. ServerKey, .. Tail], c1[c1Offset..(c1Offset + 32)]);
        Assert.Equal(HMACSHA256.HashData(key, s2[..1504]), s2[1504..]);
    }

    [Fact]
    public void Digest_TamperedC1_FallsBackToPlainEcho()
    {
        var c1 = DigestC1(1, 5);
        var offset = Offset(c1, 1);
        c1[offset] ^= 0xFF;
        var response = ServerHandshake.CreateResponse(c1, 0, out var kind);
        Assert.Equal(HandshakeKind.Plain, kind);
        Assert.Equal(c1, response[1537..]);
    }

    [Fact]
    public void HandshakeDigest_ProductionHelpers_MatchIndependentComputation()
    {
        var packet = new byte[1536];
        new Random(9).NextBytes(packet);
        var offset = HandshakeDigest.Sign(packet, 0, HandshakeDigest.PlayerKey);
        Assert.Equal(Offset(packet, 0), offset);
        Assert.Equal(Hmac(PlayerKey, packet, offset), packet[offset..(offset + 32)]);
        Assert.True(HandshakeDigest.Validate(packet, 0, PlayerKey, out _));
        Assert.False(HandshakeDigest.Validate(packet, 0, ServerKey, out _));
    }
}
