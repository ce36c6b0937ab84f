namespace ServerSessions.Tests;

public sealed class CookieSignerTests
{
    // Produced by express-session 1.18 (secret 'keyboard cat', genid returning the ID below), Set-Cookie as sent.
    private const string ExpressId = "fixed-session-id-for-the-vector-0001";
    private const string ExpressCookieValue = "s%3Afixed-session-id-for-the-vector-0001.lumglxWIsxt%2B48cmLM1plmsCNujDr6%2B4r8C%2FDAhEync";

    [Fact]
    public void Sign_MatchesExpressSession()
    {
        var signer = new CookieSigner(["keyboard cat"]);
        Assert.Equal(Uri.UnescapeDataString(ExpressCookieValue), signer.Sign(ExpressId));
        Assert.Equal(ExpressCookieValue, Uri.EscapeDataString(signer.Sign(ExpressId)));
    }

    [Fact]
    public void Unsign_AcceptsExpressSessionCookie()
    {
        var signer = new CookieSigner(["keyboard cat"]);
        Assert.True(signer.TryUnsign(Uri.UnescapeDataString(ExpressCookieValue), out var id, out var current));
        Assert.Equal(ExpressId, id.ToString());
        Assert.True(current);
    }

    [Fact]
    public void Unsign_UnderOlderSecret_VerifiesAndSaysNotCurrent()
    {
        var old = new CookieSigner(["old secret"]).Sign("abcdefghijklmnopqrstuvwxyz012345");
        var rotated = new CookieSigner(["new secret", "old secret"]);
        Assert.True(rotated.TryUnsign(old, out var id, out var current));
        Assert.Equal("abcdefghijklmnopqrstuvwxyz012345", id.ToString());
        Assert.False(current);
        Assert.NotEqual(old, rotated.Sign("abcdefghijklmnopqrstuvwxyz012345"));
    }

    [Fact]
    public void Sign_UsesOnlyTheFirstSecret()
    {
        var signed = new CookieSigner(["first", "second"]).Sign("abcdefghijklmnopqrstuvwxyz012345");
        Assert.False(new CookieSigner(["second"]).TryUnsign(signed, out _, out _));
        Assert.True(new CookieSigner(["first"]).TryUnsign(signed, out _, out _));
    }

    [Theory]
    [InlineData("abcdefghijklmnopqrstuvwxyz012345")]                 // unsigned
    [InlineData("s:abcdefghijklmnopqrstuvwxyz012345")]               // no signature
    [InlineData("s:abcdefghijklmnopqrstuvwxyz012345.")]              // empty signature
    [InlineData("s:.lumglxWIsxt+48cmLM1plmsCNujDr6+4r8C/DAhEync")]  // empty id
    [InlineData("s:fixed-session-id-for-the-vector-0002.lumglxWIsxt+48cmLM1plmsCNujDr6+4r8C/DAhEync")] // id changed
    [InlineData("s:fixed-session-id-for-the-vector-0001.lumglxWIsxt+48cmLM1plmsCNujDr6+4r8C/DAhEynd")] // signature changed
    [InlineData("s:fixed-session-id-for-the-vector-0001.lumglxWIsxt+48cmLM1plmsCNujDr6+4r8C/DAhEync=")] // padded
    [InlineData("")]
    public void Unsign_RejectsTamperedOrMalformedValues(string value)
    {
        Assert.False(new CookieSigner(["keyboard cat"]).TryUnsign(value, out _, out _));
    }

    [Fact]
    public void Constructor_RejectsNoSecrets()
    {
        Assert.Throws<ArgumentException>(() => new CookieSigner([]));
    }
}
