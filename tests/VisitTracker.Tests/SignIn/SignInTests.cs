using System.Net;

namespace VisitTracker.Tests.SignIn;

/// <summary>VisitTracker's register, sign-in and sign-out pages, against the real app.</summary>
public sealed class SignInTests(SignInApp fixture) : IClassFixture<SignInApp>
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task Register_CreatesTheUser_SignsIn_AndLandsOnTheAccountPage()
    {
        using var client = fixture.NewClient();
        var name = fixture.NewUserName("reg");

        (await client.RegisterAsync(name, Password)).AssertRedirect(HttpStatusCode.SeeOther, "/account");

        var account = await client.GetAsync("/account");
        account.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(name, account.Greeted);
        Assert.Equal(name, (await client.HomeAsync()).Greeted);
        Assert.Contains("action=\"/logout\"", (await client.HomeAsync()).Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_WithATakenNameOrBadInput_ShowsTheFormAgainWith400AndWhy()
    {
        using var client = fixture.NewClient();
        var name = fixture.NewUserName("taken");
        (await client.RegisterAsync(name, Password)).AssertStatus(HttpStatusCode.SeeOther);

        using var other = fixture.NewClient();
        var taken = await other.RegisterAsync(name.ToUpperInvariant(), "another password");
        var shortPassword = await other.RegisterAsync(fixture.NewUserName("short"), "1234567");
        var badName = await other.RegisterAsync("no spaces allowed", Password);

        taken.AssertStatus(HttpStatusCode.BadRequest);
        Assert.Contains("is taken", taken.Error, StringComparison.Ordinal);
        shortPassword.AssertStatus(HttpStatusCode.BadRequest);
        Assert.Equal("A password has at least 8 characters.", shortPassword.Error);
        badName.AssertStatus(HttpStatusCode.BadRequest);
        Assert.Contains("only letters", badName.Error, StringComparison.Ordinal);
        Assert.Null((await other.HomeAsync()).Greeted);
    }

    [Fact]
    public async Task SignIn_RenewsTheSessionId_AndKeepsTheVisitCount()
    {
        var name = await RegisteredUserAsync();
        using var client = fixture.NewClient();
        Assert.Equal(1, (await client.HomeAsync()).Count);
        Assert.Equal(2, (await client.HomeAsync()).Count);
        var anonymousId = client.SessionId;

        (await client.LoginAsync(name, Password)).AssertRedirect(HttpStatusCode.SeeOther, "/");

        Assert.NotEqual(anonymousId, client.SessionId);
        var home = await client.HomeAsync();
        Assert.Equal(3, home.Count);
        Assert.Equal(name, home.Greeted);
    }

    [Fact]
    public async Task SignIn_RenewsTheSessionId_SoTheIdFromBeforeItIsNotSignedIn()
    {
        var name = await RegisteredUserAsync();
        using var client = fixture.NewClient();
        await client.HomeAsync();
        var planted = client.SessionCookie; // as if an attacker had planted it (fixation)

        (await client.LoginAsync(name, Password)).AssertStatus(HttpStatusCode.SeeOther);

        using var attacker = fixture.NewClient();
        attacker.SessionCookie = planted;
        Assert.Null((await attacker.HomeAsync()).Greeted);
        (await attacker.GetAsync("/account")).AssertStatus(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task WrongPasswordOrUnknownUser_ShowTheFormAgainWith400_AndOneMessage()
    {
        var name = await RegisteredUserAsync();
        using var client = fixture.NewClient();

        var wrong = await client.LoginAsync(name, "not the password");
        var unknown = await client.LoginAsync(fixture.NewUserName("nobody"), Password);

        foreach (var page in new[] { wrong, unknown })
        {
            page.AssertStatus(HttpStatusCode.BadRequest);
            Assert.Equal("The user name or password is wrong.", page.Error);
        }

        Assert.Null((await client.HomeAsync()).Greeted);
    }

    [Fact]
    public async Task SignOut_DestroysTheSession_SoAReplayedOldCookieIsAnonymous()
    {
        var name = await RegisteredUserAsync();
        using var client = fixture.NewClient();
        (await client.LoginAsync(name, Password)).AssertStatus(HttpStatusCode.SeeOther);
        Assert.Equal(1, (await client.HomeAsync()).Count);
        Assert.Equal(2, (await client.HomeAsync()).Count);
        var signedIn = client.SessionCookie;

        (await client.PostAsync("/logout", [])).AssertRedirect(HttpStatusCode.SeeOther, "/");
        Assert.Null(client.SessionCookie); // cleared

        using var replay = fixture.NewClient();
        replay.SessionCookie = signedIn;
        var home = await replay.HomeAsync();
        Assert.Null(home.Greeted);
        Assert.Equal(1, home.Count); // a new session: the old one's data is gone with it
        replay.SessionCookie = signedIn;
        (await replay.GetAsync("/account")).AssertRedirect(HttpStatusCode.Redirect, "/login?returnUrl=%2Faccount");
    }

    [Fact]
    public async Task Account_WhenAnonymous_RedirectsToTheLoginPage_WhichReturnsThere()
    {
        var name = await RegisteredUserAsync();
        using var client = fixture.NewClient();

        (await client.GetAsync("/account")).AssertRedirect(HttpStatusCode.Redirect, "/login?returnUrl=%2Faccount");
        var form = await client.GetAsync("/login?returnUrl=%2Faccount");
        Assert.Contains("name=\"returnUrl\" value=\"/account\"", form.Html, StringComparison.Ordinal);

        (await client.LoginAsync(name, Password, returnUrl: "/account")).AssertRedirect(HttpStatusCode.SeeOther, "/account");
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("javascript:alert(1)")]
    [InlineData("~/account")]
    public async Task SignIn_WithAReturnUrlThatIsNotALocalPath_LandsOnTheHomePage(string returnUrl)
    {
        var name = await RegisteredUserAsync();
        using var client = fixture.NewClient();

        var form = await client.GetAsync("/login?returnUrl=" + Uri.EscapeDataString(returnUrl));
        Assert.DoesNotContain("evil", form.Html, StringComparison.Ordinal);
        var signedIn = await client.PostAsync("/login", [new("username", name), new("password", Password), new("returnUrl", returnUrl)]);

        signedIn.AssertRedirect(HttpStatusCode.SeeOther, "/");
    }

    [Fact]
    public async Task Posts_WithoutTheAntiforgeryToken_Are400_AndChangeNothing()
    {
        var name = await RegisteredUserAsync();
        using var client = fixture.NewClient();
        var stranger = fixture.NewUserName("csrf");

        await client.GetAsync("/register"); // the antiforgery cookie, but no token in the form
        (await client.PostAsync("/register", [new("username", stranger), new("password", Password)], withToken: false)).AssertStatus(HttpStatusCode.BadRequest);
        (await client.LoginAsync(stranger, Password)).AssertStatus(HttpStatusCode.BadRequest); // never created

        await client.GetAsync("/login");
        (await client.PostAsync("/login", [new("username", name), new("password", Password)], withToken: false)).AssertStatus(HttpStatusCode.BadRequest);
        Assert.Null((await client.HomeAsync()).Greeted);

        (await client.LoginAsync(name, Password)).AssertStatus(HttpStatusCode.SeeOther);
        (await client.PostAsync("/logout", [], withToken: false)).AssertStatus(HttpStatusCode.BadRequest);
        (await client.PostAsync("/account/password", [new("currentPassword", Password), new("newPassword", "a new password")], withToken: false))
            .AssertStatus(HttpStatusCode.BadRequest);
        Assert.Equal(name, (await client.HomeAsync()).Greeted); // still signed in
        using var again = fixture.NewClient();
        (await again.LoginAsync(name, Password)).AssertStatus(HttpStatusCode.SeeOther); // password unchanged
    }

    [Fact]
    public async Task SignInAndAccountPages_AreNeitherCachedNorFramedNorSniffed()
    {
        using var client = fixture.NewClient();
        var pages = new List<(string Path, Page Page)> { ("/login", await client.GetAsync("/login")), ("/register", await client.GetAsync("/register")) };
        (await client.PostAsync("/register", [new("username", fixture.NewUserName("hdr")), new("password", Password)])).AssertStatus(HttpStatusCode.SeeOther);
        pages.Add(("/account", await client.GetAsync("/account")));

        foreach (var (path, page) in pages)
        {
            page.AssertStatus(HttpStatusCode.OK);
            Assert.True(page.Headers.CacheControl?.NoStore, $"{path}: Cache-Control {page.Headers.CacheControl}");
            Assert.Equal("DENY", Assert.Single(page.Headers.GetValues("X-Frame-Options")));
            Assert.Equal("nosniff", Assert.Single(page.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("frame-ancestors 'none'", Assert.Single(page.Headers.GetValues("Content-Security-Policy")));
        }
    }

    private async Task<string> RegisteredUserAsync()
    {
        using var client = fixture.NewClient();
        var name = fixture.NewUserName("user");
        (await client.RegisterAsync(name, Password)).AssertStatus(HttpStatusCode.SeeOther);
        return name;
    }
}
