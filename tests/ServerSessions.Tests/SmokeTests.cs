using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests;

public sealed class SmokeTests
{
    private static void MapCounter(WebApplication app) =>
        app.MapGet("/", (ServerSession session) =>
        {
            var visits = session.Get<int>("visits") + 1;
            session.Set("visits", visits);
            return visits.ToString(System.Globalization.CultureInfo.InvariantCulture);
        });

    [Fact]
    public async Task Counter_CountsAcrossRequests_AndSetsCookieOnce()
    {
        await using var host = await SessionTestHost.StartAsync(MapCounter);
        using var first = await host.SendAsync("/");
        Assert.Equal("1", await first.Content.ReadAsStringAsync());
        var pair = SetCookies.Pair(first);
        Assert.StartsWith("connect.sid=s%3A", pair, StringComparison.Ordinal);
        Assert.Equal("no-store", first.Headers.CacheControl?.ToString());

        using var second = await host.SendAsync("/", pair);
        Assert.Equal("2", await second.Content.ReadAsStringAsync());
        Assert.Null(SetCookies.Find(second));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }
}
