using System.Net;
using System.Text.RegularExpressions;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// One browser's worth of requests: keeps the <c>connect.sid</c> cookie by hand (so tests can see and tamper with the
/// exact value) and reads the count off the page. It visits <paramref name="app"/> unless told another app on the same
/// site (127.0.0.1, whatever the port: a browser's cookies ignore the port), with the same cookie.
/// </summary>
internal sealed partial class Visitor(AppProcess app) : IDisposable
{
    private readonly HttpClient _client = app.CreateClient();

    /// <summary>The cookie this visitor sends, as <c>connect.sid=…</c>; <see langword="null"/> before the first visit.</summary>
    public string? Cookie { get; set; }

    /// <summary>Sends a request with this visitor's cookie, and keeps a new <c>connect.sid</c> the response sets.</summary>
    /// <param name="method">The method.</param>
    /// <param name="path">The path, such as <c>/</c>.</param>
    /// <param name="at">The app to send it to; the visitor's own app by default.</param>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, AppProcess? at = null)
    {
        using var request = new HttpRequestMessage(method, new Uri((at ?? app).BaseAddress, path));
        if (Cookie is not null)
        {
            request.Headers.Add("Cookie", Cookie);
        }

        var response = await _client.SendAsync(request);
        if (SessionCookie(response) is { } setCookie)
        {
            Cookie = setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)];
        }

        return response;
    }

    /// <summary>Loads the page and returns the count it shows.</summary>
    /// <param name="at">The app to visit; the visitor's own app by default.</param>
    public async Task<int> VisitAsync(AppProcess? at = null)
    {
        using var response = await SendAsync(HttpMethod.Get, "/", at);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (at ?? app).CountIn(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The <c>connect.sid</c> Set-Cookie header of a response, if any.</summary>
    public static string? SessionCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.SingleOrDefault(v => v.StartsWith("connect.sid=", StringComparison.Ordinal))
            : null;

    /// <summary>The count in VisitTracker's message, checking its grammar ("1 time", "2 times").</summary>
    public static int CountIn(string html)
    {
        var match = Message().Match(html);
        Assert.True(match.Success, $"No visit message in:\n{html}");
        var count = int.Parse(match.Groups["count"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(count == 1 ? "time" : "times", match.Groups["unit"].Value);
        return count;
    }

    public void Dispose() => _client.Dispose();

    [GeneratedRegex(@"<h1>You have visited this page (?<count>\d+) (?<unit>times?)\.</h1>")]
    private static partial Regex Message();
}
