using System.Net;
using System.Text.Json;
using VisitTracker.Tests.SignIn;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// The interop NestJS app's Passport endpoints as a browser uses them: <c>POST /register</c> and <c>POST /login</c>
/// (forms with <c>username</c> and <c>password</c>), <c>POST /logout</c>, and <c>GET /whoami</c>, which names the
/// signed-in user and counts the visit.
/// </summary>
internal static class NestSignIn
{
    /// <summary>Creates the user in the NestJS app's own user list (its own password hash): <c>201</c>.</summary>
    public static async Task RegisterUserAsync(this NestAppProcess nest, string user, string password)
    {
        using var client = new SignInClient(nest);
        var registered = await client.PostAsync("/register", Credentials(user, password), withToken: false);
        Assert.True(registered.Status == HttpStatusCode.Created, $"POST /register on the NestJS app: {registered.Status}\n{registered.Html}\n{nest.Output}");
    }

    /// <summary>Signs in with passport-local: <c>200</c>.</summary>
    public static async Task LogInAsync(this SignInClient client, NestAppProcess nest, string user, string password)
    {
        var loggedIn = await client.PostAsync("/login", Credentials(user, password), withToken: false, at: nest);
        Assert.True(loggedIn.Status == HttpStatusCode.OK, $"POST /login on the NestJS app: {loggedIn.Status}\n{loggedIn.Html}\n{nest.Output}");
    }

    /// <summary>Signs out with Passport's <c>req.logout</c>: <c>200</c>.</summary>
    public static async Task LogOutAsync(this SignInClient client, NestAppProcess nest)
    {
        var loggedOut = await client.PostAsync("/logout", [], withToken: false, at: nest);
        Assert.True(loggedOut.Status == HttpStatusCode.OK, $"POST /logout on the NestJS app: {loggedOut.Status}\n{loggedOut.Html}\n{nest.Output}");
    }

    /// <summary>Who the NestJS app says is signed in (<see langword="null"/>: no one), and the session's visit count after this visit.</summary>
    public static async Task<(string? User, int Visits)> WhoAmIAsync(this SignInClient client, NestAppProcess nest)
    {
        var page = await client.GetAsync("/whoami", nest);
        Assert.True(page.Status == HttpStatusCode.OK, $"GET /whoami on the NestJS app: {page.Status}\n{page.Html}\n{nest.Output}");
        using var json = JsonDocument.Parse(page.Html);
        var user = json.RootElement.GetProperty("user");
        return (user.ValueKind == JsonValueKind.Null ? null : user.GetString(), json.RootElement.GetProperty("visits").GetInt32());
    }

    private static KeyValuePair<string, string>[] Credentials(string user, string password) => [new("username", user), new("password", password)];
}
