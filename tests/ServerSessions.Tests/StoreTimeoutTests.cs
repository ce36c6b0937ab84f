using System.Net;
using Microsoft.AspNetCore.Builder;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests;

/// <summary>A hung store costs a bounded wait and a 503, never a hung request.</summary>
public sealed class StoreTimeoutTests
{
    private static async Task WaitUntilTheStoreIsCalledAsync(SessionTestHost host, Task<HttpResponseMessage> pending)
    {
        try
        {
            await host.Store.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            // Seen once under the full suite and never reproduced: say what state the request was in.
            throw new Xunit.Sdk.XunitException(
                $"The store was not called within 30 s. Calls: [{string.Join(",", host.Store.Calls)}], request: {pending.Status}, " +
                $"thread pool: {ThreadPool.ThreadCount} threads, {ThreadPool.PendingWorkItemCount} queued.");
        }
    }

    /// <summary>
    /// Advances the fake clock a second at a time until the request is answered; returns the seconds it took. (The
    /// middleware starts its timeout just after the store call begins, so one big jump could land before it.)
    /// </summary>
    private static async Task<int> AdvanceUntilAnsweredAsync(SessionTestHost host, Task<HttpResponseMessage> pending)
    {
        for (var seconds = 1; seconds <= 10; seconds++)
        {
            host.Time.Advance(TimeSpan.FromSeconds(1));
            if (await Task.WhenAny(pending, Task.Delay(200)) == pending)
            {
                return seconds;
            }
        }

        throw new Xunit.Sdk.XunitException("The request was not answered after 10 s of a 2 s StoreTimeout.");
    }

    [Fact]
    public async Task HungStoreRead_Answers503AfterStoreTimeout()
    {
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/", (ServerSession session) => session.Get<int>("visits")),
            o => o.StoreTimeout = TimeSpan.FromSeconds(2));
        var cookie = "connect.sid=" + Uri.EscapeDataString(new CookieSigner(["keyboard cat"]).Sign("abcdefghijklmnopqrstuvwxyz012345"));
        host.Store.Gate = new TaskCompletionSource();

        var pending = host.SendAsync("/", cookie);
        await WaitUntilTheStoreIsCalledAsync(host, pending);
        var advanced = await AdvanceUntilAnsweredAsync(host, pending);

        Assert.True(advanced >= 2, $"answered after {advanced} s of a 2 s StoreTimeout");
        using var response = await pending;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(response.Headers.Contains("Retry-After"));
        host.Store.Gate.SetResult();
    }

    [Fact]
    public async Task HungStoreWrite_Answers503_AndSetsNoCookie()
    {
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/", (ServerSession session) => session.Set("visits", 1)).WithSession(),
            o => o.StoreTimeout = TimeSpan.FromSeconds(2));
        host.Store.Gate = new TaskCompletionSource();

        var pending = host.SendAsync("/");
        await WaitUntilTheStoreIsCalledAsync(host, pending);
        Assert.True(await AdvanceUntilAnsweredAsync(host, pending) >= 2);

        using var response = await pending;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Null(SetCookies.Find(response));
        host.Store.Gate.SetResult();
    }
}
