using Microsoft.Playwright;
using VisitTracker.Tests.EndToEnd;

namespace VisitTracker.Tests.Browser;

/// <summary>The app in a real browser: Debian's Chromium, headless, driven by Playwright.</summary>
public sealed class BrowserTests
{
    [Fact]
    public async Task Browser_CountsVisits_AndAppliesStylesheet()
    {
        await using var app = await VisitTrackerProcess.StartAsync();
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewVisitorAsync();

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
