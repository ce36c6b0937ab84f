using System.Net;
using System.Text.RegularExpressions;

namespace VisitTracker.Tests.EndToEnd;

public sealed partial class VisitCountingTests
{
    [Fact]
    public async Task Visits_CountOneTwoThree()
    {
        await using var app = await VisitTrackerProcess.StartAsync();
        using var visitor = new Visitor(app);

        Assert.Equal(1, await visitor.VisitAsync());
        Assert.Equal(2, await visitor.VisitAsync());
        Assert.Equal(3, await visitor.VisitAsync());
    }

    [Fact]
    public async Task Page_ShowsSeedMessage_WithPartialAndStylesheet()
    {
        await using var app = await VisitTrackerProcess.StartAsync();
        using var visitor = new Visitor(app);

        using var first = await visitor.SendAsync(HttpMethod.Get, "/");
        var html = await first.Content.ReadAsStringAsync();
        using var second = await visitor.SendAsync(HttpMethod.Get, "/");

        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("<title>Visit Tracker</title>", html, StringComparison.Ordinal);
        Assert.Contains("<h1>You have visited this page 1 time.</h1>", html, StringComparison.Ordinal);
        Assert.Contains("<footer>", html, StringComparison.Ordinal);
        Assert.Contains("<link rel=\"stylesheet\" href=\"/css/styles.css\">", html, StringComparison.Ordinal);
        Assert.Equal("text/html; charset=utf-8", first.Content.Headers.ContentType?.ToString());
        Assert.Contains("<h1>You have visited this page 2 times.</h1>", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FirstResponse_SetsSignedCookie_LaterOnesDoNot()
    {
        await using var app = await VisitTrackerProcess.StartAsync();
        using var visitor = new Visitor(app);

        using var first = await visitor.SendAsync(HttpMethod.Get, "/");
        using var second = await visitor.SendAsync(HttpMethod.Get, "/");

        Assert.Matches(SignedCookie(), Visitor.SessionCookie(first));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(2, Visitor.CountIn(await second.Content.ReadAsStringAsync())); // the same session, used again
        Assert.False(second.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Page_IsNeverCachedNorNotModified()
    {
        await using var app = await VisitTrackerProcess.StartAsync();
        using var visitor = new Visitor(app);
        using var first = await visitor.SendAsync(HttpMethod.Get, "/");
        // The app's own clock, not the test's: a date a conditional GET would honour (not in the server's future, and
        // after the page was made), whatever the two processes think the date is.
        var served = first.Headers.Date ?? throw new Xunit.Sdk.XunitException("The first response has no Date header.");

        using var client = app.CreateClient();
        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/");
        conditional.Headers.Add("Cookie", visitor.Cookie);
        conditional.Headers.Add("If-None-Match", "*");
        conditional.Headers.IfModifiedSince = served;
        using var second = await client.SendAsync(conditional);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(2, Visitor.CountIn(await second.Content.ReadAsStringAsync()));
        foreach (var response in new[] { first, second })
        {
            Assert.Null(response.Headers.ETag);
            Assert.Null(response.Content.Headers.LastModified);
            Assert.True(response.Headers.CacheControl?.NoStore, "Cache-Control: no-store expected");
        }
    }

    [Fact]
    public async Task Head_CountsLikeGet_WithSameHeaders()
    {
        await using var app = await VisitTrackerProcess.StartAsync();
        using var getter = new Visitor(app);
        using var header = new Visitor(app);

        using var get = await getter.SendAsync(HttpMethod.Get, "/");
        using var head = await header.SendAsync(HttpMethod.Head, "/");

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(Comparable(get), Comparable(head));
        Assert.Equal(2, await header.VisitAsync());
        using var secondHead = await header.SendAsync(HttpMethod.Head, "/");
        Assert.Equal(4, await header.VisitAsync());
    }

    /// <summary>
    /// The headers that must match between GET and HEAD: all but the date, the body's framing, and the session ID in
    /// Set-Cookie (each visitor gets its own).
    /// </summary>
    private static List<string> Comparable(HttpResponseMessage response) =>
        response.Headers.Concat(response.Content.Headers)
            .Where(h => h.Key is not ("Date" or "Content-Length" or "Transfer-Encoding"))
            .SelectMany(h => h.Value.Select(v => $"{h.Key}: {(h.Key == "Set-Cookie" ? v[v.IndexOf(';', StringComparison.Ordinal)..] : v)}"))
            .Order(StringComparer.Ordinal)
            .ToList();

    [GeneratedRegex(@"^connect\.sid=s%3A[A-Za-z0-9_-]{20,}\.[A-Za-z0-9%]{40,}; Path=/; HttpOnly; SameSite=Lax$")]
    private static partial Regex SignedCookie();
}
