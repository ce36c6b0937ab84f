using System.Net;
using ServerSessions.Testing;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// VisitTracker and the interop NestJS app (express-session, connect-redis, Passport's local strategy) on one Redis
/// with one secret keep one user signed in across both: each stores the user where Passport does
/// (<c>passport: { user: "NAME" }</c>), each checks passwords its own way, the user created in both.
/// </summary>
[Trait("Clock", "Real")]
public sealed class PassportInteropTests
{
    private const string Secret = "a-test-secret-of-at-least-32-bytes!!";
    private const string User = "ada";
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task SignedInByNest_IsSignedInOnVisitTracker_AndSigningOutThereSignsOutOfNest()
    {
        await using var apps = await Apps.StartAsync();
        using var browser = new FormBrowser(apps.Nest);
        Assert.Equal((null, 1), await browser.WhoAmIAsync(apps.Nest));
        var anonymous = browser.Cookie("connect.sid");

        await browser.LogInAsync(apps.Nest, User, Password);

        var signedIn = browser.Cookie("connect.sid")!;
        Assert.NotEqual(anonymous, signedIn); // Passport 0.7 regenerates the session at login
        await apps.AssertPassportUserAsync(signedIn, User);
        var home = await browser.GetAsync("/", apps.VisitTracker);
        Assert.True(home.Status == HttpStatusCode.OK, $"{home}\n{apps.VisitTracker.Output}");
        Assert.Equal(User, VisitTrackerSignIn.GreetingIn(home.Body));
        Assert.Equal(2, apps.VisitTracker.CountIn(home.Body)); // the count Passport kept through its regeneration, plus this visit
        var account = await browser.GetAsync("/account", apps.VisitTracker);
        Assert.True(account.Status == HttpStatusCode.OK, $"{account}\n{apps.VisitTracker.Output}");
        var sessions = VisitTrackerSignIn.SessionsIn(account.Body);
        Assert.True(sessions.Count == 2 && sessions.Count(s => s.IsCurrent) == 1,
            $"/account lists the NestJS sign-in as the current session beside the registration's:\n{account.Body}");

        await browser.SignOutAsync(apps.VisitTracker);

        Assert.Equal((null, 1), await browser.WhoAmIAsync(apps.Nest));
        using var replay = new FormBrowser(apps.Nest);
        replay.SetCookie("connect.sid", signedIn);
        Assert.Null((await replay.WhoAmIAsync(apps.Nest)).User);
    }

    [Fact]
    public async Task SignedInOnVisitTracker_IsSignedInOnNest_AndLoggingOutThereSignsOutOfVisitTracker()
    {
        await using var apps = await Apps.StartAsync();
        using var browser = new FormBrowser(apps.VisitTracker);
        Assert.Equal(1, apps.VisitTracker.CountIn((await browser.GetAsync("/")).Body));

        await browser.SignInAsync(apps.VisitTracker, User, Password);

        var signedIn = browser.Cookie("connect.sid")!;
        await apps.AssertPassportUserAsync(signedIn, User);
        Assert.Equal((User, 2), await browser.WhoAmIAsync(apps.Nest));

        await browser.LogOutAsync(apps.Nest);

        var home = await browser.GetAsync("/", apps.VisitTracker);
        Assert.True(home.Status == HttpStatusCode.OK, $"{home}\n{apps.VisitTracker.Output}");
        Assert.Null(VisitTrackerSignIn.GreetingIn(home.Body));
        using var replay = new FormBrowser(apps.VisitTracker);
        replay.SetCookie("connect.sid", signedIn);
        var account = await replay.GetAsync("/account");
        Assert.True(account.Status == HttpStatusCode.Redirect && account.Location == "/login?returnUrl=%2Faccount",
            $"The cookie Passport logged out of, on VisitTracker's /account: {account}\n{apps.VisitTracker.Output}");
    }

    [Fact]
    public async Task NestSignInSeenByVisitTracker_IsEndedBySignOutEverywhereElse()
    {
        await using var apps = await Apps.StartAsync();
        using var nestBrowser = new FormBrowser(apps.Nest);
        await nestBrowser.LogInAsync(apps.Nest, User, Password);
        // VisitTracker's first sight of the NestJS sign-in adds it to the user's index.
        Assert.Equal(User, VisitTrackerSignIn.GreetingIn((await nestBrowser.GetAsync("/", apps.VisitTracker)).Body));
        var account = await apps.Registrar.GetAsync("/account", apps.VisitTracker);
        var sessions = VisitTrackerSignIn.SessionsIn(account.Body);
        Assert.True(sessions.Count == 2 && sessions.Count(s => s.IsCurrent) == 1,
            $"/account lists the registration's session and the NestJS sign-in:\n{account}\n{apps.VisitTracker.Output}");

        var revoked = await apps.Registrar.SubmitAsync(account.Form("/account/sessions/revoke-others"), at: apps.VisitTracker);

        Assert.True(revoked.Status == HttpStatusCode.SeeOther && revoked.Location == "/account", $"{revoked}\n{apps.VisitTracker.Output}");
        Assert.Null((await nestBrowser.WhoAmIAsync(apps.Nest)).User);
        var after = VisitTrackerSignIn.SessionsIn((await apps.Registrar.GetAsync("/account", apps.VisitTracker)).Body);
        Assert.True(after is [{ IsCurrent: true }], $"{after.Count} sessions listed after signing out everywhere else, not the current one alone.");
    }

    /// <summary>
    /// A Redis server, VisitTracker and the NestJS app on it with one secret, and the user created in both: through
    /// VisitTracker's <c>/register</c> (which leaves <see cref="Registrar"/> signed in there) and the NestJS app's.
    /// </summary>
    private sealed class Apps : IAsyncDisposable
    {
        private RedisServer _redis = null!;

        public VisitTrackerProcess VisitTracker { get; private set; } = null!;

        public NestAppProcess Nest { get; private set; } = null!;

        /// <summary>The browser that registered the user on VisitTracker: another session of theirs.</summary>
        public FormBrowser Registrar { get; private set; } = null!;

        public static async Task<Apps> StartAsync()
        {
            var apps = new Apps();
            try
            {
                apps._redis = await RedisServer.StartAsync();
                apps.VisitTracker = await VisitTrackerProcess.StartOnRedisAsync(apps._redis, Secret);
                apps.Nest = await NestAppProcess.StartAsync(apps._redis, Secret);
                apps.Registrar = new FormBrowser(apps.VisitTracker);
                await apps.Registrar.RegisterAsync(apps.VisitTracker, User, Password);
                await apps.Nest.RegisterUserAsync(User, Password);
                return apps;
            }
            catch
            {
                await apps.DisposeAsync();
                throw;
            }
        }

        /// <summary>The session behind <paramref name="cookie"/> holds the user where Passport puts it.</summary>
        public async Task AssertPassportUserAsync(string cookie, string user)
        {
            var (id, _) = ExpressCookie.Parse("connect.sid=" + cookie);
            var record = await _redis.CommandAsync("GET", $"sess:{id}");
            Assert.Contains($"\"passport\":{{\"user\":\"{user}\"}}", record, StringComparison.Ordinal);
        }

        public async ValueTask DisposeAsync()
        {
            Registrar?.Dispose();
            if (Nest is not null)
            {
                await Nest.DisposeAsync();
            }

            if (VisitTracker is not null)
            {
                await VisitTracker.DisposeAsync();
            }

            if (_redis is not null)
            {
                await _redis.DisposeAsync();
            }
        }
    }
}
