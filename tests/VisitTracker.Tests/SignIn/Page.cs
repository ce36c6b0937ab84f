using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using VisitTracker.Tests.EndToEnd;

namespace VisitTracker.Tests.SignIn;

/// <summary>One response of the app as a page: status, redirect target, HTML and headers.</summary>
internal sealed partial record Page(HttpStatusCode Status, string? Location, string Html, HttpResponseHeaders Headers, HttpContentHeaders ContentHeaders)
{
    /// <summary>The greeting's name (<c>&lt;p class="greeting"&gt;Hello, NAME!&lt;/p&gt;</c>), or <see langword="null"/> on an anonymous page.</summary>
    public string? Greeted => Greeting().Match(Html) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups[1].Value) : null;

    /// <summary>The visit count on the home page.</summary>
    public int Count => Visitor.CountIn(Html);

    /// <summary>The text of <c>&lt;p class="error"&gt;</c>, or <see langword="null"/>.</summary>
    public string? Error => ErrorParagraph().Match(Html) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups[1].Value) : null;

    /// <summary>The account page's session rows: each one's handle (null for the current session) and whether it is current.</summary>
    public IReadOnlyList<(bool Current, string? Handle)> Sessions => SessionRow().Matches(Html)
        .Select(row => (row.Groups[1].Value == "true", HandleField().Match(row.Value) is { Success: true } handle ? WebUtility.HtmlDecode(handle.Groups[1].Value) : null))
        .ToList();

    public void AssertStatus(HttpStatusCode expected) =>
        Assert.True(Status == expected, $"Expected {(int)expected} {expected}, got {(int)Status} {Status} (Location {Location}):\n{Html}");

    public void AssertRedirect(HttpStatusCode expected, string location)
    {
        AssertStatus(expected);
        Assert.Equal(location, Location);
    }

    [GeneratedRegex("""<p class="greeting">Hello, (.*?)!</p>""")]
    private static partial Regex Greeting();

    [GeneratedRegex("""<p class="error">(.*?)</p>""", RegexOptions.Singleline)]
    private static partial Regex ErrorParagraph();

    [GeneratedRegex("""<tr class="session" data-current="(true|false)">.*?</tr>""", RegexOptions.Singleline)]
    private static partial Regex SessionRow();

    [GeneratedRegex("name=\"handle\" value=\"([^\"]+)\"")]
    private static partial Regex HandleField();
}
