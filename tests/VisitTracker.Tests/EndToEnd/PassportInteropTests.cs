using System.Net;
using ServerSessions.Testing;
using VisitTracker.Tests.SignIn;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// VisitTracker and the interop NestJS app (express-session, connect-redis, Passport's local strategy) on one Redis
/// with one secret keep one user signed in across both: each stores the user where Passport does
/// (<c>passport: { user: "NAME" }</c>), each checks passwords its own way, the user created in both. One browser
/// (one cookie jar) goes between the apps, as a browser's cookies ignore the port.
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
        using var browser = new SignInClient(apps.Nest);
        Assert.Equal((null, 1), await browser.WhoAmIAsync(apps.Nest));
        var anonymous = browser.SessionCookie;

        await browser.LogInAsync(apps.Nest, User, Password);

        var signedIn = browser.SessionCookie!;
        Assert.NotEqual(anonymous, signedIn); // Passport 0.7 regenerates the session at login
        await apps.AssertPassportUserAsync(signedIn, User);
        var home = await browser.GetAsync("/", apps.VisitTracker);
        home.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(User, home.Greeted);
        Assert.Equal(2, home.Count); // the count Passport kept through its regeneration, plus this visit
        var account = await browser.GetAsync("/account", apps.VisitTracker);
        account.AssertStatus(HttpStatusCode.OK);
        Assert.True(account.Sessions.Count == 2 && account.Sessions.Count(s => s.Current) == 1,
            $"/account lists the NestJS sign-in as the current session beside the registration's:\n{account.Html}");

        (await browser.PostAsync("/logout", [], at: apps.VisitTracker)).AssertRedirect(HttpStatusCode.SeeOther, "/");

        Assert.Equal((null, 1), await browser.WhoAmIAsync(apps.Nest));
        using var replay = new SignInClient(apps.Nest) { SessionCookie = signedIn };
        Assert.Null((await replay.WhoAmIAsync(apps.Nest)).User);
    }

    [Fact]
    public async Task SignedInOnVisitTracker_IsSignedInOnNest_AndLoggingOutThereSignsOutOfVisitTracker()
    {
        await using var apps = await Apps.StartAsync();
        using var browser = new SignInClient(apps.VisitTracker);
        Assert.Equal(1, (await browser.HomeAsync()).Count);

        (await browser.LoginAsync(User, Password)).AssertRedirect(HttpStatusCode.SeeOther, "/");

        var signedIn = browser.SessionCookie!;
        await apps.AssertPassportUserAsync(signedIn, User);
        Assert.Equal((User, 2), await browser.WhoAmIAsync(apps.Nest));

        await browser.LogOutAsync(apps.Nest);

        Assert.Null((await browser.HomeAsync()).Greeted);
        using var replay = new SignInClient(apps.VisitTracker) { SessionCookie = signedIn };
        (await replay.GetAsync("/account")).AssertRedirect(HttpStatusCode.Redirect, "/login?returnUrl=%2Faccount");
    }

    [Fact]
    public async Task NestSignInSeenByVisitTracker_IsEndedBySignOutEverywhereElse()
    {
        await using var apps = await Apps.StartAsync();
        using var nestBrowser = new SignInClient(apps.Nest);
        await nestBrowser.LogInAsync(apps.Nest, User, Password);
        // VisitTracker's first sight of the NestJS sign-in adds it to the user's index.
        Assert.Equal(User, (await nestBrowser.GetAsync("/", apps.VisitTracker)).Greeted);
        var account = await apps.Registrar.GetAsync("/account");
        Assert.True(account.Sessions.Count == 2 && account.Sessions.Count(s => s.Current) == 1,
            $"/account lists the registration's session and the NestJS sign-in:\n{account.Html}\n{apps.VisitTracker.Output}");

        (await apps.Registrar.PostAsync("/account/sessions/revoke-others", [])).AssertRedirect(HttpStatusCode.SeeOther, "/account");

        Assert.Null((await nestBrowser.WhoAmIAsync(apps.Nest)).User);
        var after = (await apps.Registrar.GetAsync("/account")).Sessions;
        Assert.True(after is [{ Current: true }], $"{after.Count} sessions listed after signing out everywhere else, not the current one alone.");
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
        public SignInClient Registrar { get; private set; } = null!;

        public static async Task<Apps> StartAsync()
        {
            var apps = new Apps();
            try
            {
                apps._redis = await RedisServer.StartAsync();
                apps.VisitTracker = await VisitTrackerProcess.StartOnRedisAsync(apps._redis, Secret);
                apps.Nest = await NestAppProcess.StartAsync(apps._redis, Secret);
                apps.Registrar = new SignInClient(apps.VisitTracker);
                (await apps.Registrar.RegisterAsync(User, Password)).AssertRedirect(HttpStatusCode.SeeOther, "/account");
                await apps.Nest.RegisterUserAsync(User, Password);
                return apps;
            }
            catch
            {
                await apps.DisposeAsync();
                throw;
            }
        }

        /// <summary>The session behind <paramref name="cookie"/> (<c>connect.sid=…</c>) holds the user where Passport puts it.</summary>
        public async Task AssertPassportUserAsync(string cookie, string user)
        {
            var (id, _) = ExpressCookie.Parse(cookie);
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
