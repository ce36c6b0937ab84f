namespace ServerSessions.Tests;

public sealed class SessionCookieWriterTests
{
    private const string Id = "fixed-session-id-for-the-vector-0001";
    private static readonly CookieSigner Signer = new(["keyboard cat"]);

    [Fact]
    public void Format_MatchesExpressSessionSetCookie()
    {
        var header = SessionCookieWriter.Format("connect.sid", Signer, Id, new SessionCookieOptions(), null, secure: false, CookieSameSite.Unspecified);
        Assert.Equal("connect.sid=s%3Afixed-session-id-for-the-vector-0001.lumglxWIsxt%2B48cmLM1plmsCNujDr6%2B4r8C%2FDAhEync; Path=/; HttpOnly", header);
    }

    [Fact]
    public void Format_WritesEveryAttributeInExpressOrder()
    {
        var cookie = new SessionCookieOptions { Domain = "example.com", Path = "/app", Partitioned = true, Priority = CookiePriority.High };
        var expires = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.FromHours(1));
        var header = SessionCookieWriter.Format("sid", Signer, Id, cookie, expires, secure: true, CookieSameSite.None);
        Assert.Equal(
            "sid=" + Uri.EscapeDataString(Signer.Sign(Id))
            + "; Domain=example.com; Path=/app; Expires=Fri, 27 Nov 2026 11:00:00 GMT; HttpOnly; Secure; Partitioned; Priority=High; SameSite=None",
            header);
    }

    [Fact]
    public void Format_LongerThanTheStackBuffers_IsComplete()
    {
        var id = new string('a', 300);
        var cookie = new SessionCookieOptions { Domain = new string('d', 500) + ".example", SameSite = CookieSameSite.Strict };
        var header = SessionCookieWriter.Format("connect.sid", Signer, id, cookie, DateTimeOffset.UnixEpoch, secure: false, CookieSameSite.Strict);
        Assert.Equal(
            "connect.sid=" + Uri.EscapeDataString(Signer.Sign(id)) + "; Domain=" + cookie.Domain
            + "; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict",
            header);
    }

    [Fact]
    public void Format_IdOutsideAscii_IsEscapedAsUtf8()
    {
        // Only IDs of our own format are ever signed, but the writer keeps Uri.EscapeDataString's output for any ID.
        var id = new string('\u20ac', 18); // nine escaped characters each: past the three the stack buffer allows for
        var header = SessionCookieWriter.Format("connect.sid", Signer, id, new SessionCookieOptions(), null, secure: false, CookieSameSite.Lax);
        Assert.Equal("connect.sid=" + Uri.EscapeDataString(Signer.Sign(id)) + "; Path=/; HttpOnly; SameSite=Lax", header);
    }

    [Fact]
    public void FormatCleared_ExpiresTheCookieIn1970()
    {
        var cookie = new SessionCookieOptions { HttpOnly = false };
        Assert.Equal(
            "connect.sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; SameSite=Lax",
            SessionCookieWriter.FormatCleared("connect.sid", cookie, secure: true, CookieSameSite.Lax));
    }
}
