using System.Net;
using System.Text.Json;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// The interop NestJS app's Passport endpoints as a browser uses them: <c>POST /register</c> and <c>POST /login</c>
/// (JSON bodies), <c>POST /logout</c>, and <c>GET /whoami</c>, which names the signed-in user and counts the visit.
/// </summary>
internal static class NestSignIn
{
    /// <summary>Creates the user in the NestJS app's own user list (its own password hash): <c>201</c>.</summary>
    public static async Task RegisterUserAsync(this NestAppProcess nest, string user, string password)
    {
        using var browser = new FormBrowser(nest);
        var registered = await browser.PostJsonAsync("/register", new { username = user, password });
        Assert.True(registered.Status == HttpStatusCode.Created, $"POST /register on the NestJS app: {registered}\n{nest.Output}");
    }

    /// <summary>Signs in with passport-local: <c>200</c>.</summary>
    public static async Task LogInAsync(this FormBrowser browser, NestAppProcess nest, string user, string password)
    {
        var loggedIn = await browser.PostJsonAsync("/login", new { username = user, password }, nest);
        Assert.True(loggedIn.Status == HttpStatusCode.OK, $"POST /login on the NestJS app: {loggedIn}\n{nest.Output}");
    }

    /// <summary>Signs out with Passport's <c>req.logout</c>: <c>200</c>.</summary>
    public static async Task LogOutAsync(this FormBrowser browser, NestAppProcess nest)
    {
        var loggedOut = await browser.PostFormAsync("/logout", [], nest);
        Assert.True(loggedOut.Status == HttpStatusCode.OK, $"POST /logout on the NestJS app: {loggedOut}\n{nest.Output}");
    }

    /// <summary>Who the NestJS app says is signed in (<see langword="null"/>: no one), and the session's visit count after this visit.</summary>
    public static async Task<(string? User, int Visits)> WhoAmIAsync(this FormBrowser browser, NestAppProcess nest)
    {
        var page = await browser.GetAsync("/whoami", nest);
        Assert.True(page.Status == HttpStatusCode.OK, $"GET /whoami on the NestJS app: {page}\n{nest.Output}");
        using var json = JsonDocument.Parse(page.Body);
        var user = json.RootElement.GetProperty("user");
        return (user.ValueKind == JsonValueKind.Null ? null : user.GetString(), json.RootElement.GetProperty("visits").GetInt32());
    }
}
