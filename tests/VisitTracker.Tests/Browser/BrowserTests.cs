using Microsoft.Playwright;
using VisitTracker.Tests.EndToEnd;

namespace VisitTracker.Tests.Browser;

/// <summary>The app in a real browser: Debian's Chromium, headless, driven by Playwright.</summary>
public sealed class BrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Browser_CountsVisits_AndAppliesStylesheet()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run `apt-get install chromium` (./test.sh does it).");
        await using var app = await VisitTrackerProcess.StartAsync();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Timeout = 60_000,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(30_000);

        foreach (var expected in new[] { "1 time.", "2 times.", "3 times." })
        {
            var response = await page.GotoAsync(app.BaseAddress.ToString());
            Assert.Equal(200, response?.Status);
            Assert.Equal($"You have visited this page {expected}", await page.TextContentAsync("h1"));
        }

        Assert.Equal("rgb(0, 102, 204)", await page.EvalOnSelectorAsync<string>("h1", "h1 => getComputedStyle(h1).color"));
        var cookie = Assert.Single(await page.Context.CookiesAsync());
        Assert.Equal("connect.sid", cookie.Name);
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Lax, cookie.SameSite);
    }
}
