using Microsoft.Playwright;

namespace VisitTracker.Tests.Browser;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, which ./test.sh installs), headless, driven by Playwright: never
/// Playwright's own browser downloads. Every wait on a page is bounded by <see cref="Timeout"/>.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    /// <summary>The bound on every Playwright wait (navigation, selector, click, and Expect's assertions) on a busy 2-core machine.</summary>
    public const float Timeout = 30_000;

    private const string Executable = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private HeadlessChromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    /// <summary>The running browser.</summary>
    public IBrowser Browser { get; }

    /// <summary>Launches the browser; fails with the install command when it is missing.</summary>
    public static async Task<HeadlessChromium> LaunchAsync()
    {
        Assert.True(File.Exists(Executable), $"{Executable} is missing: run `apt-get install chromium` (./test.sh does it).");
        Assertions.SetDefaultExpectTimeout(Timeout); // Expect(...) retries until then, instead of its 5-second default
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = Executable,
                Headless = true,
                Timeout = 60_000,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"],
            });
            return new HeadlessChromium(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A page in a browser context of its own (its own cookies and cache: another visitor), waits bounded.</summary>
    public async Task<IPage> NewVisitorAsync()
    {
        var context = await Browser.NewContextAsync();
        context.SetDefaultTimeout(Timeout);
        context.SetDefaultNavigationTimeout(Timeout);
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
