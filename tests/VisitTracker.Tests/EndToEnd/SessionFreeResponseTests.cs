using System.Net;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>Responses that don't use the session must neither create one nor send a cookie.</summary>
public sealed class SessionFreeResponseTests
{
    [Fact]
    public async Task StaticFile_IsServed_WithoutCookie()
    {
        await using var app = await VisitTrackerProcess.StartAsync();
        using var visitor = new Visitor(app);

        using var css = await visitor.SendAsync(HttpMethod.Get, "/css/styles.css");

        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        Assert.Contains("h1", await css.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(css.Headers.Contains("Set-Cookie"));
        Assert.Null(visitor.Cookie);
        await AssertAFirstVisitGetsASessionAsync(visitor);
    }

    [Fact]
    public async Task StaticFile_WithSessionCookie_LeavesSessionAlone()
    {
        await using var app = await VisitTrackerProcess.StartAsync();
        using var visitor = new Visitor(app);
        await visitor.VisitAsync();

        using var css = await visitor.SendAsync(HttpMethod.Get, "/css/styles.css");

        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.False(css.Headers.Contains("Set-Cookie"));
        Assert.NotEqual(true, css.Headers.CacheControl?.NoStore);
        Assert.Equal(2, await visitor.VisitAsync());
    }

    [Theory]
    [InlineData("/nope")]
    [InlineData("/css/missing.css")]
    [InlineData("/index.hbs")]
    [InlineData("/views/index.hbs")]
    [InlineData("/appsettings.json")]
    public async Task UnknownPath_Is404_WithoutCookie(string path)
    {
        await using var app = await VisitTrackerProcess.StartAsync();
        using var visitor = new Visitor(app);

        using var response = await visitor.SendAsync(HttpMethod.Get, path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        await AssertAFirstVisitGetsASessionAsync(visitor);
    }

    [Fact]
    public async Task OtherMethods_AreRejected_WithoutCookie()
    {
        await using var app = await VisitTrackerProcess.StartAsync();
        using var visitor = new Visitor(app);

        using var response = await visitor.SendAsync(HttpMethod.Post, "/");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        await AssertAFirstVisitGetsASessionAsync(visitor);
    }

    /// <summary>
    /// The other half of a "no cookie" case: the same visitor's next page view is its first (nothing was counted
    /// before) and does get a session cookie, so the app was not simply sending none.
    /// </summary>
    private static async Task AssertAFirstVisitGetsASessionAsync(Visitor visitor)
    {
        Assert.Equal(1, await visitor.VisitAsync());
        Assert.NotNull(visitor.Cookie);
    }
}
