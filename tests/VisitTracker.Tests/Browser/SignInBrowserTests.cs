using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VisitTracker.Tests.EndToEnd;
using static Microsoft.Playwright.Assertions;

namespace VisitTracker.Tests.Browser;

/// <summary>
/// Signing in, in a real browser: VisitTracker on its embedded default (SQLite) as a real process, Debian's Chromium
/// headless. Each browser context is a visitor of its own (its own cookies and cache). Every wait is Playwright's,
/// bounded by <see cref="HeadlessChromium.Timeout"/>: no sleeps.
/// </summary>
public sealed class SignInBrowserTests
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task Register_SignOut_SignIn_KeepsTheVisitCountAcrossSignIn_AndGreetsByName()
    {
        await using var app = await VisitTrackerProcess.StartAsync();
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewVisitorAsync();

        // Two anonymous visits, then registering signs in: the session's ID is new, its count is kept.
        await VisitHomeAsync(page, app, "You have visited this page 1 time.");
        await VisitHomeAsync(page, app, "You have visited this page 2 times.");
        await Expect(page.Locator("p.greeting")).ToHaveCountAsync(0);
        var anonymous = await SessionCookieAsync(page);
        await RegisterAsync(page, app, "ada");
        Assert.NotEqual(anonymous, await SessionCookieAsync(page));
        await VisitHomeAsync(page, app, "You have visited this page 3 times.");
        await Expect(page.Locator("p.greeting")).ToHaveTextAsync("Hello, ada!");

        // Signing out destroys the session: the next visit is a new visitor's first.
        await SignOutAsync(page, app);
        await Expect(page.Locator("h1")).ToHaveTextAsync("You have visited this page 1 time.");
        await VisitHomeAsync(page, app, "You have visited this page 2 times.");

        // Signing in through the login form keeps this anonymous session's count too, under a new ID.
        anonymous = await SessionCookieAsync(page);
        await SignInAsync(page, app, "ada");
        await Expect(page).ToHaveURLAsync(At(app, "/"));
        Assert.NotEqual(anonymous, await SessionCookieAsync(page));
        await Expect(page.Locator("h1")).ToHaveTextAsync("You have visited this page 3 times.");
        await Expect(page.Locator("p.greeting")).ToHaveTextAsync("Hello, ada!");
    }

    [Fact]
    public async Task TwoBrowsers_SeeEachOtherInAccount_AndOneSignsTheOtherOut_WhichLandsOnLoginAtItsNextClick()
    {
        await using var app = await VisitTrackerProcess.StartAsync();
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var laptop = await chromium.NewVisitorAsync();
        var phone = await chromium.NewVisitorAsync();

        await RegisterAsync(laptop, app, "grace");
        await Expect(laptop.Locator("tr.session")).ToHaveCountAsync(1);
        await SignInAsync(phone, app, "grace");

        // Each sees both sessions, its own marked current.
        foreach (var page in new[] { laptop, phone })
        {
            await GotoAsync(page, app, "/account");
            await Expect(page.Locator("tr.session")).ToHaveCountAsync(2);
            await Expect(page.Locator("tr.session[data-current='true']")).ToHaveCountAsync(1);
            await Expect(page.Locator("tr.session[data-current='false']")).ToHaveCountAsync(1);
            // Only another session has a button to sign it out; this one signs out with POST /logout.
            await Expect(page.Locator("tr.session[data-current='true']").GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        }

        // The laptop signs the phone out with the other row's button.
        await laptop.Locator("tr.session[data-current='false']")
            .GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();
        await Expect(laptop).ToHaveURLAsync(At(app, "/account"));
        await Expect(laptop.Locator("tr.session")).ToHaveCountAsync(1);
        await Expect(laptop.Locator("tr.session[data-current='true']")).ToHaveCountAsync(1);

        // The phone still shows its (stale) account page; its next click is anonymous and lands on the login page.
        await Expect(phone.Locator("tr.session")).ToHaveCountAsync(2);
        await phone.GetByRole(AriaRole.Button, new() { Name = "Sign out everywhere else", Exact = true }).ClickAsync();
        await Expect(phone).ToHaveURLAsync(new Regex("^" + Regex.Escape(app.BaseAddress + "login") + @"(\?|$)"));
        await Expect(phone.Locator("input[name='username']")).ToBeVisibleAsync();
        await Expect(phone.Locator("tr.session")).ToHaveCountAsync(0);

        // That click, anonymous, signed nobody out: the laptop is still signed in, alone.
        await GotoAsync(laptop, app, "/account");
        await Expect(laptop.Locator("tr.session")).ToHaveCountAsync(1);
        await Expect(laptop.Locator("tr.session[data-current='true']")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task SignOut_ThenBack_ShowsNoAccountPageFromTheCache()
    {
        await using var app = await VisitTrackerProcess.StartAsync();
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewVisitorAsync();

        await RegisterAsync(page, app, "linus");
        var account = await GotoAsync(page, app, "/account");
        Assert.Contains("no-store", await account.HeaderValueAsync("cache-control") ?? "", StringComparison.Ordinal);
        await Expect(page.Locator("h1")).ToHaveTextAsync("Your account");

        await GotoAsync(page, app, "/");
        await SignOutAsync(page, app);

        // History: /account, / (signed in), / (signed out). Back twice reaches /account's entry: not kept (no-store),
        // so the browser asks again, anonymous, and is sent to the login page.
        await page.GoBackAsync();
        await page.GoBackAsync();
        await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(app.BaseAddress + "login") + @"\?returnUrl=%2Faccount$"));
        await Expect(page.Locator("input[name='username']")).ToBeVisibleAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Sign in");
        await Expect(page.Locator("p.greeting")).ToHaveCountAsync(0);
    }

    private static async Task<IResponse> GotoAsync(IPage page, VisitTrackerProcess app, string path)
    {
        var response = await page.GotoAsync(new Uri(app.BaseAddress, path).ToString());
        Assert.NotNull(response);
        Assert.True(response.Ok, $"GET {path} answered {response.Status}. App output:\n{app.Output}");
        return response;
    }

    private static async Task VisitHomeAsync(IPage page, VisitTrackerProcess app, string heading)
    {
        await GotoAsync(page, app, "/");
        await Expect(page.Locator("h1")).ToHaveTextAsync(heading);
    }

    /// <summary>Registers <paramref name="user"/> with the form, which signs in and lands on /account.</summary>
    private static async Task RegisterAsync(IPage page, VisitTrackerProcess app, string user)
    {
        await GotoAsync(page, app, "/register");
        await SubmitCredentialsAsync(page, user);
        await Expect(page).ToHaveURLAsync(At(app, "/account"));
        await Expect(page.Locator("p.greeting")).ToHaveTextAsync($"Hello, {user}!");
    }

    /// <summary>Signs in with the login form (no returnUrl: it lands on the home page).</summary>
    private static async Task SignInAsync(IPage page, VisitTrackerProcess app, string user)
    {
        await GotoAsync(page, app, "/login");
        await SubmitCredentialsAsync(page, user);
        await Expect(page).ToHaveURLAsync(At(app, "/"));
        await Expect(page.Locator("p.greeting")).ToHaveTextAsync($"Hello, {user}!");
    }

    private static async Task SubmitCredentialsAsync(IPage page, string user)
    {
        var form = page.Locator("form:has(input[name='password'])");
        await form.Locator("input[name='username']").FillAsync(user);
        await form.Locator("input[name='password']").FillAsync(Password);
        await form.GetByRole(AriaRole.Button).ClickAsync();
    }

    /// <summary>Signs out with the home page's "Sign out" button (POST /logout), which lands on the home page, anonymous.</summary>
    private static async Task SignOutAsync(IPage page, VisitTrackerProcess app)
    {
        await Expect(page).ToHaveURLAsync(At(app, "/"));
        await page.Locator("form[action='/logout']").GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();
        // The URL stays /: the greeting's going is what says the next page came.
        await Expect(page.Locator("p.greeting")).ToHaveCountAsync(0);
        await Expect(page).ToHaveURLAsync(At(app, "/"));
    }

    private static async Task<string> SessionCookieAsync(IPage page) =>
        (await page.Context.CookiesAsync()).Single(c => c.Name == "connect.sid").Value;

    private static string At(VisitTrackerProcess app, string path) => new Uri(app.BaseAddress, path).ToString();
}
