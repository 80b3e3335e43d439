using CallService.Auth;
using CallService.Tests.Support;

namespace CallService.Tests.Auth;

public class UserTokensTests
{
    private readonly CoordinatorRig _rig = new();
    private UserTokens Tokens => new(_rig.Secrets, _rig.Time);

    [Fact]
    public void Issued_Token_Verifies_ForItsUser()
    {
        var (token, expiresAt) = Tokens.Issue("bob", TimeSpan.FromHours(1));
        Assert.Equal(TokenVerdict.Valid, Tokens.Verify(token, out var user));
        Assert.Equal("bob", user);
        Assert.Equal(CoordinatorRig.T0.AddHours(1), expiresAt);
    }

    [Fact]
    public void Token_Expires()
    {
        var (token, _) = Tokens.Issue("bob", TimeSpan.FromSeconds(60));
        _rig.Advance(59);
        Assert.Equal(TokenVerdict.Valid, Tokens.Verify(token, out _));
        _rig.Advance(1);
        Assert.Equal(TokenVerdict.Expired, Tokens.Verify(token, out var user));
        Assert.Equal("", user);
    }

    [Fact]
    public void TamperedPayload_IsRejected()
    {
        var (token, _) = Tokens.Issue("bob", TimeSpan.FromHours(1));
        var (other, _) = Tokens.Issue("mallory", TimeSpan.FromHours(1));
        var forged = other.Split('.')[0] + "." + other.Split('.')[1] + "." + token.Split('.')[2];
        Assert.Equal(TokenVerdict.BadSignature, Tokens.Verify(forged, out _));
    }

    [Fact]
    public void TamperedSignature_IsRejected()
    {
        var (token, _) = Tokens.Issue("bob", TimeSpan.FromHours(1));
        var last = token[^1] == 'A' ? 'B' : 'A';
        Assert.Equal(TokenVerdict.BadSignature, Tokens.Verify(token[..^1] + last, out _));
    }

    [Fact]
    public void TokenFromAnotherKey_IsRejected()
    {
        var otherRig = new CoordinatorRig(new() { ["Auth:TokenSigningKey"] = "another-key" });
        var (token, _) = new UserTokens(otherRig.Secrets, _rig.Time).Issue("bob", TimeSpan.FromHours(1));
        Assert.Equal(TokenVerdict.BadSignature, Tokens.Verify(token, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("v1.")]
    [InlineData("v2.abc.def")]
    public void Garbage_IsMalformed(string token) =>
        Assert.Equal(TokenVerdict.Malformed, Tokens.Verify(token, out _));

    [Fact]
    public void TokenReadInPlace_FromAHeader_VerifiesAsTheString_BeforeAndAfterItIsCached()
    {
        var tokens = Tokens;
        var (token, _) = tokens.Issue("bob", TimeSpan.FromSeconds(60));
        var header = "Bearer " + token + "  ";

        Assert.Equal(TokenVerdict.Valid, tokens.Verify(header.AsSpan(7).Trim(), out var first)); // first sight: verified
        Assert.Equal("bob", first);
        Assert.Equal(TokenVerdict.Valid, tokens.Verify(header.AsSpan(7).Trim(), out var again)); // cached, found by the span
        Assert.Equal("bob", again);
        var tampered = "Bearer " + token[..^1] + (token[^1] == 'A' ? 'B' : 'A');
        Assert.Equal(TokenVerdict.BadSignature, tokens.Verify(tampered.AsSpan(7), out _));
        Assert.Equal(TokenVerdict.Malformed, tokens.Verify(header.AsSpan(7, 10), out _));
        _rig.Advance(60);
        Assert.Equal(TokenVerdict.Expired, tokens.Verify(header.AsSpan(7).Trim(), out var expired));
        Assert.Equal("", expired);
    }
}
