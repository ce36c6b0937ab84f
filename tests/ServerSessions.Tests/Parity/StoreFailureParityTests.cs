using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Parity;

/// <summary>
/// express-session G5: store errors. Where express answers 500 or reports the error after a 200, we answer 503 with
/// Retry-After before the response starts, and never replace a stored session with an empty one.
/// </summary>
public sealed class StoreFailureParityTests
{
    [Fact]
    public async Task StoreReadFailure_Answers503WithRetryAfter()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Counter);
        using var first = await host.SendAsync("/");
        host.Store.Failures["get"] = new InvalidOperationException("boom!");

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        AssertUnavailable(second);
        Assert.DoesNotContain("boom", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotFoundErrorFromStore_IsAFault_NotAMissingSession()
    {
        // express reads ENOENT as "no such session"; our contract is that a store says "not found" with null.
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Numbered);
        using var first = await host.SendAsync("/");
        host.Store.Failures["get"] = new FileNotFoundException("boom!");

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        AssertUnavailable(second);
        Assert.Equal(1, host.Store.Count("set"));
    }

    [Fact]
    public async Task StoredRecordThatIsNotASession_StartsANewSession_AndIsLeftAsItWas()
    {
        // express fails the request (and every later one of the visitor, until the record expires); we log it and start
        // a new session under a new ID, so the record is never overwritten.
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Numbered);
        using var first = await host.SendAsync("/");
        var pair = SetCookies.Pair(first);
        var id = SetCookies.IdOf(pair);
        var foreign = new SessionRecord(Encoding.UTF8.GetBytes("[\"foo\",\"bar\"]"), host.Time.GetUtcNow().AddHours(1));
        await host.Memory.SetAsync(id, foreign, default);

        using var second = await host.SendAsync("/", pair);

        Assert.Equal("session 2", await second.Content.ReadAsStringAsync());
        Assert.NotEqual(id, SetCookies.IdOf(SetCookies.Pair(second)));
        Assert.Equal(foreign.Payload.ToArray(), (await host.Memory.GetAsync(id, default))!.Value.Payload.ToArray());
        Assert.Equal(2, host.Store.Count("set")); // the new session's
    }

    [Fact]
    public async Task TouchFailure_Answers503()
    {
        await using var host = await SessionTestHost.StartAsync(MapHit);
        using var first = await host.SendAsync("/");
        host.Store.Failures["touch"] = new InvalidOperationException("boom!");

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        AssertUnavailable(second);
        Assert.Equal(1, host.Store.Count("touch"));
    }

    [Fact]
    public async Task SaveFailure_Answers503_NotTheEndpointsSuccess()
    {
        await using var host = await SessionTestHost.StartAsync(MapHit, o => o.SaveUninitialized = true);
        host.Store.Failures["set"] = new InvalidOperationException("boom!");

        using var response = await host.SendAsync("/");

        AssertUnavailable(response);
        Assert.DoesNotContain("session saved", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveFailure_InAMinimalApiTakingTheSession_Answers503()
    {
        // A ServerSession parameter commits before the result executes, as WithSession() does.
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", (ServerSession session) =>
        {
            session.Set("hit", true);
            return "session saved";
        }));
        host.Store.Failures["set"] = new InvalidOperationException("boom!");

        using var response = await host.SendAsync("/");

        AssertUnavailable(response);
        Assert.DoesNotContain("session saved", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveFailure_AsTheBodyStarts_FailsTheResponse()
    {
        // An endpoint that loads the session itself and writes its own body, with neither a ServerSession parameter nor
        // WithSession(): the commit runs as the body starts, too late for a 503, but the client must not see a 200.
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", async (HttpContext context) =>
        {
            var session = await context.LoadSessionAsync();
            session.Set("hit", true);
            await context.Response.WriteAsync("session saved");
        }));
        host.Store.Failures["set"] = new InvalidOperationException("boom!");

        // TestServer hands the failure to the client; Kestrel answers 500.
        await Assert.ThrowsAsync<SessionStoreException>(() => host.SendAsync("/"));
    }

    [Fact]
    public async Task DestroyFailureOnUnset_Answers503()
    {
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/", (ServerSession session) =>
            {
                if (!session.IsNew)
                {
                    session.Unset();
                    return "session destroyed";
                }

                session.Set("hit", true);
                return "session saved";
            }).WithSession(),
            o => o.Unset = UnsetBehavior.Destroy);
        using var first = await host.SendAsync("/");
        host.Store.Failures["destroy"] = new InvalidOperationException("boom!");

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        AssertUnavailable(second);
        Assert.Equal(1, host.Memory.Count);
    }

    private static void MapHit(WebApplication app) =>
        app.MapGet("/", (ServerSession session) =>
        {
            session.Set("hit", true);
            return "session saved";
        }).WithSession();

    private static void AssertUnavailable(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
        Assert.Null(SetCookies.Find(response));
    }
}
