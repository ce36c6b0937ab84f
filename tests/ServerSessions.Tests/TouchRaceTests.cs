using Microsoft.AspNetCore.Builder;
using ServerSessions.Testing;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests;

/// <summary>
/// A touch never undoes an expiry written after its request loaded the session: the store moves the expiry only while
/// it still holds the payload the touching request read.
/// </summary>
public sealed class TouchRaceTests
{
    private const string Secret = "a-test-secret-of-at-least-32-bytes!!";

    [Theory]
    [InlineData(SessionConcurrency.Serialized)]   // the reader is [ReadOnlySession]: it holds no lock
    [InlineData(SessionConcurrency.LastWriteWins)]
    public async Task TouchOfARequestThatLoadedEarlier_LeavesTheLongerMaxAgeSavedMeanwhile(SessionConcurrency concurrency)
    {
        var hold = new HoldGate();
        await using var host = await SessionTestHost.StartAsync(
            app =>
            {
                app.MapGet("/count", VisitCounter.Count);
                app.MapGet("/read", async (ServerSession session) =>
                {
                    var visits = session.Get<int>("visits");
                    await hold.EnterAsync();
                    return visits;
                }).WithMetadata(new ReadOnlySessionAttribute());
                app.MapGet("/remember-me", (ServerSession session) => session.MaxAge = TimeSpan.FromDays(30));
            },
            o =>
            {
                o.Secret = Secret;
                o.Concurrency = concurrency;
                o.Cookie.MaxAge = TimeSpan.FromDays(1);
                o.Rolling = true; // every response sends the cookie, with the MaxAge its request knows
            });
        var cookie = await VisitCounter.FirstVisitAsync(host);
        var id = SetCookies.IdOf(cookie);
        var reader = host.SendAsync("/read", cookie); // A loads the session as it is: a 1-day MaxAge
        await hold.Inside;
        host.Time.Advance(TimeSpan.FromSeconds(1));

        using (var remembered = await host.SendAsync("/remember-me", cookie)) // B saves a 30-day MaxAge
        {
            remembered.EnsureSuccessStatusCode();
        }

        var saved = (await host.Memory.GetAsync(id, default))!.Value.Expires;
        Assert.Equal(host.Time.GetUtcNow().AddDays(30), saved);
        host.Time.Advance(TimeSpan.FromSeconds(1));
        hold.Release();
        using var read = await reader.Within("the reader's response, after its touch");

        read.EnsureSuccessStatusCode();
        Assert.Equal(1, host.Store.Count("touch")); // A did try: its store left the expiry as B saved it
        Assert.Equal(saved, (await host.Memory.GetAsync(id, default))!.Value.Expires);
        Assert.Empty(SetCookies.All(read)); // nor does A's response send the browser its stale, 1-day cookie
    }
}
