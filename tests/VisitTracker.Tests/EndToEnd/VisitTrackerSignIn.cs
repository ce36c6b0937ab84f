using System.Net;
using System.Text.RegularExpressions;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// VisitTracker's sign-in pages as a browser uses them (the contract of issue 15): <c>/register</c>, <c>/login</c>,
/// <c>POST /logout</c>, and <c>/account</c>'s table of the user's sessions, each step checked for the status the
/// contract promises.
/// </summary>
internal static partial class VisitTrackerSignIn
{
    /// <summary>Creates the user through <c>/register</c> (which signs the browser in): <c>303</c> to <c>/account</c>.</summary>
    public static async Task RegisterAsync(this FormBrowser browser, AppProcess at, string user, string password)
    {
        var form = await browser.GetAsync("/register", at);
        Assert.True(form.Status == HttpStatusCode.OK, $"GET /register on {at.Name}: {form}\n{at.Output}");
        var registered = await browser.SubmitAsync(form.Form("/register"), Credentials(user, password), at);
        Assert.True(registered.Status == HttpStatusCode.SeeOther && registered.Location == "/account",
            $"POST /register on {at.Name}: {registered}\n{at.Output}");
    }

    /// <summary>
    /// Signs in through <c>/login</c>: <c>303</c> to <c>/</c>. The form is read from <paramref name="formFrom"/>
    /// (<paramref name="at"/> by default) and posted to <paramref name="at"/>.
    /// </summary>
    public static async Task SignInAsync(this FormBrowser browser, AppProcess at, string user, string password, AppProcess? formFrom = null)
    {
        var form = await browser.GetAsync("/login", formFrom ?? at);
        Assert.True(form.Status == HttpStatusCode.OK, $"GET /login on {(formFrom ?? at).Name}: {form}");
        var signedIn = await browser.SubmitAsync(form.Form("/login"), Credentials(user, password), at);
        Assert.True(signedIn.Status == HttpStatusCode.SeeOther && signedIn.Location == "/",
            $"POST /login on {at.Name}: {signedIn}\n{at.Output}");
    }

    /// <summary>Signs out with the home page's "Sign out" form: <c>303</c> to <c>/</c>.</summary>
    public static async Task SignOutAsync(this FormBrowser browser, AppProcess at)
    {
        var home = await browser.GetAsync("/", at);
        var signedOut = await browser.SubmitAsync(home.Form("/logout"), at: at);
        Assert.True(signedOut.Status == HttpStatusCode.SeeOther && signedOut.Location == "/",
            $"POST /logout on {at.Name}: {signedOut}\n{at.Output}");
    }

    /// <summary>The name the home page greets (<c>Hello, NAME!</c>), or <see langword="null"/> when it greets no one.</summary>
    public static string? GreetingIn(string html) =>
        Greeting().Match(html) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups["name"].Value) : null;

    /// <summary>The rows of <c>/account</c>'s sessions table, in order.</summary>
    public static IReadOnlyList<SessionRow> SessionsIn(string html) =>
        [.. Row().Matches(html).Select(row => new SessionRow(
            row.Groups["current"].Value == "true",
            HtmlForm.AllIn(row.Groups["cells"].Value).SingleOrDefault(f => f.Action == "/account/sessions/revoke"),
            row.Value))];

    private static Dictionary<string, string> Credentials(string user, string password) =>
        new(StringComparer.Ordinal) { ["username"] = user, ["password"] = password };

    /// <summary>A session in <c>/account</c>'s table.</summary>
    /// <param name="IsCurrent">Whether it is the session that asked (<c>data-current="true"</c>).</param>
    /// <param name="Revoke">Its "Sign out" form (<c>POST /account/sessions/revoke</c> with its handle); other sessions only.</param>
    /// <param name="Html">The row as sent, for failure messages.</param>
    public sealed record SessionRow(bool IsCurrent, HtmlForm? Revoke, string Html);

    [GeneratedRegex(@"<p class=""greeting"">Hello, (?<name>[^<]*)!</p>")]
    private static partial Regex Greeting();

    [GeneratedRegex(@"<tr\b[^>]*\bclass=""session""[^>]*\bdata-current=""(?<current>true|false)""[^>]*>(?<cells>.*?)</tr>", RegexOptions.Singleline)]
    private static partial Regex Row();
}
