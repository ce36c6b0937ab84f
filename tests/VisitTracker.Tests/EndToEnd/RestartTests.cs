namespace VisitTracker.Tests.EndToEnd;

public sealed class RestartTests
{
    [Fact]
    public async Task RestartedApp_KeepsCount()
    {
        using var data = new TempFolder();
        string? cookie;
        await using (var app = await VisitTrackerProcess.StartAsync(data))
        {
            using var visitor = new Visitor(app);
            await visitor.VisitAsync();
            Assert.Equal(2, await visitor.VisitAsync());
            cookie = visitor.Cookie;
            await app.StopAsync();
        }

        await using var restarted = await VisitTrackerProcess.StartAsync(data);
        using var returning = new Visitor(restarted) { Cookie = cookie };
        Assert.Equal(3, await returning.VisitAsync());
    }

    [Fact]
    public async Task KilledApp_KeepsCount()
    {
        using var data = new TempFolder();
        string? cookie;
        await using (var app = await VisitTrackerProcess.StartAsync(data))
        {
            using var visitor = new Visitor(app);
            await visitor.VisitAsync();
            Assert.Equal(2, await visitor.VisitAsync());
            cookie = visitor.Cookie;
            await app.KillAsync();
        }

        await using var restarted = await VisitTrackerProcess.StartAsync(data);
        using var returning = new Visitor(restarted) { Cookie = cookie };
        Assert.Equal(3, await returning.VisitAsync());
        Assert.Equal(4, await returning.VisitAsync());
    }

    [Fact]
    public async Task MemoryStore_StartsOverAfterRestart()
    {
        using var data = new TempFolder();
        var memory = new Dictionary<string, string> { ["Session__Store"] = "Memory", ["Session__Secret"] = "a test secret, not the seed's, 32+ bytes" };
        string? cookie;
        await using (var app = await VisitTrackerProcess.StartAsync(data, environment: memory))
        {
            using var visitor = new Visitor(app);
            await visitor.VisitAsync();
            Assert.Equal(2, await visitor.VisitAsync());
            cookie = visitor.Cookie;
            await app.StopAsync();
        }

        await using var restarted = await VisitTrackerProcess.StartAsync(data, environment: memory);
        using var returning = new Visitor(restarted) { Cookie = cookie };
        Assert.Equal(1, await returning.VisitAsync());
        Assert.NotEqual(cookie, returning.Cookie);
    }
}
