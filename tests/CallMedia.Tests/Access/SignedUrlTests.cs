using CallMedia.Access;

namespace CallMedia.Tests.Access;

public sealed class SignedUrlTests
{
    private const string Key = "e12c46f2612d5106e2034781ab261ca3";

    [Fact]
    public void Compute_PublicWorkedExample_MatchesKnownSecret()
    {
        Assert.Equal("f85a2ab363fe4deaffef9754d79da6fe", TxSecret.Compute(Key, "test", "5C271099"));
    }

    [Fact]
    public void Verify_WorkedExampleBeforeExpiry_IsValid()
    {
        var before = DateTimeOffset.FromUnixTimeSeconds(0x5C271099 - 60);
        Assert.Equal(SignedUrlVerdict.Valid, SignedUrlCheck.Verify(Key, "test", "?txSecret=f85a2ab363fe4deaffef9754d79da6fe&txTime=5C271099", before));
        Assert.Equal(SignedUrlVerdict.Valid, SignedUrlCheck.Verify(Key, "test", "txSecret=F85A2AB363FE4DEAFFEF9754D79DA6FE&txTime=5C271099", before));
    }

    [Fact]
    public void Verify_AfterExpiry_IsExpired()
    {
        var after = DateTimeOffset.FromUnixTimeSeconds(0x5C271099 + 1);
        Assert.Equal(SignedUrlVerdict.Expired, SignedUrlCheck.Verify(Key, "test", "txSecret=f85a2ab363fe4deaffef9754d79da6fe&txTime=5C271099", after));
    }

    [Theory]
    [InlineData("test2", "txSecret=f85a2ab363fe4deaffef9754d79da6fe&txTime=5C271099")] // other stream
    [InlineData("test", "txSecret=f85a2ab363fe4deaffef9754d79da6ff&txTime=5C271099")] // secret altered
    [InlineData("test", "txSecret=f85a2ab363fe4deaffef9754d79da6fe&txTime=5C27109A")] // expiry extended
    public void Verify_Tampered_IsBadSignature(string stream, string query)
    {
        var before = DateTimeOffset.FromUnixTimeSeconds(0x5C271099 - 60);
        Assert.Equal(SignedUrlVerdict.BadSignature, SignedUrlCheck.Verify(Key, stream, query, before));
    }

    [Fact]
    public void Verify_SignedWithOtherKey_IsBadSignature()
    {
        var now = DateTimeOffset.UtcNow;
        var query = TxSecret.Query("play-key", "call1-a", now.AddMinutes(5));
        Assert.Equal(SignedUrlVerdict.Valid, SignedUrlCheck.Verify("play-key", "call1-a", query, now));
        Assert.Equal(SignedUrlVerdict.BadSignature, SignedUrlCheck.Verify("push-key", "call1-a", query, now));
    }

    [Theory]
    [InlineData("")]
    [InlineData("txTime=5C271099")]
    [InlineData("txSecret=abc")]
    [InlineData("txSecret=abc&txTime=zz")]
    public void Verify_MissingOrMalformed_IsMissing(string query)
    {
        Assert.Equal(SignedUrlVerdict.Missing, SignedUrlCheck.Verify(Key, "test", query, DateTimeOffset.UnixEpoch));
    }
}
