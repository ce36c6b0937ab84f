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
        var signer = new CookieSigner(["keyboard cat"]);
        Assert.True(signer.TryUnsign(Uri.UnescapeDataString(ExpressCookieValue), out _, out _)); // the untouched value verifies

        Assert.False(signer.TryUnsign(value, out _, out _));
    }

    [Fact]
    public void Constructor_RejectsNoSecrets()
    {
        Assert.Throws<ArgumentException>(() => new CookieSigner([]));
    }

    [Fact]
    public void TrySign_WritesWhatSignReturns_WithTheFirstSecret()
    {
        var signer = new CookieSigner(["keyboard cat", "older"]);
        Span<char> buffer = stackalloc char[200];
        Assert.True(signer.TrySign(ExpressId, buffer, out var written));
        Assert.Equal(Uri.UnescapeDataString(ExpressCookieValue), buffer[..written].ToString());
        Assert.Equal(CookieSigner.SignedLength(ExpressId.Length), written);
    }

    [Fact]
    public void TrySign_IntoAnExactBuffer_Fits()
    {
        var signer = new CookieSigner(["keyboard cat"]);
        var buffer = new char[CookieSigner.SignedLength(ExpressId.Length)];
        Assert.True(signer.TrySign(ExpressId, buffer, out var written));
        Assert.Equal(buffer.Length, written);
        Assert.True(signer.TryUnsign(buffer, out var id, out _));
        Assert.Equal(ExpressId, id.ToString());
    }

    [Fact]
    public void TrySign_IntoATooSmallBuffer_FailsAndWritesNothing()
    {
        var signer = new CookieSigner(["keyboard cat"]);
        var buffer = new char[CookieSigner.SignedLength(ExpressId.Length) - 1];
        Assert.False(signer.TrySign(ExpressId, buffer, out var written));
        Assert.Equal(0, written);
        Assert.All(buffer, c => Assert.Equal('\0', c));
    }

    [Fact]
    public void TryUnsign_UnderEachOfSeveralSecrets_Verifies()
    {
        var rotated = new CookieSigner(["third", "second", "first"]);
        foreach (var secret in new[] { "first", "second", "third" })
        {
            var signed = new CookieSigner([secret]).Sign("abcdefghijklmnopqrstuvwxyz012345");
            Assert.True(rotated.TryUnsign(signed, out var id, out var current));
            Assert.Equal("abcdefghijklmnopqrstuvwxyz012345", id.ToString());
            Assert.Equal(secret == "third", current);
        }

        Assert.False(rotated.TryUnsign(new CookieSigner(["fourth"]).Sign("abcdefghijklmnopqrstuvwxyz012345"), out _, out _));
    }

    [Fact]
    public void SignAndVerify_FromSeveralThreads_Agree()
    {
        // Each thread has its own keyed HMACs; they must all sign alike.
        var signer = new CookieSigner(["keyboard cat"]);
        Parallel.For(0, 64, _ => Assert.Equal(Uri.UnescapeDataString(ExpressCookieValue), signer.Sign(ExpressId)));
    }
}
