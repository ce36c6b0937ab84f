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
        host.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(pending.IsCompleted);
        host.Time.Advance(TimeSpan.FromSeconds(1));

        using var response = await pending.WaitAsync(TimeSpan.FromSeconds(30));
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
        host.Time.Advance(TimeSpan.FromSeconds(2));

        using var response = await pending.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Null(SetCookies.Find(response));
        host.Store.Gate.SetResult();
    }
}
