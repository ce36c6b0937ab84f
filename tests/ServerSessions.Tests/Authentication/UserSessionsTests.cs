using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ServerSessions.Testing;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Authentication;

/// <summary>
/// <see cref="UserSessions"/> on the Memory store's index: listing a user's sessions, revoking one, the others, all,
/// and the index kept consistent through expiry, sign-out, regeneration and sign-ins an express app made.
/// </summary>
public sealed class UserSessionsTests
{
    private const string Chrome = "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0";
    private const string Firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";

    [Fact]
    public async Task List_ShowsEachSessionOfTheUser_WithItsBrowserAndAddress_MarksTheCurrentOne_AndNeverGivesAnId()
    {
        await using var host = await StartAsync();
        var first = await SignInAsync(host, "alice", Chrome);
        var second = await SignInAsync(host, "alice", Firefox);
        await SignInAsync(host, "bob", Chrome);

        var sessions = await ListAsync(host, first);

        Assert.Equal(2, sessions.Length);
        var current = Assert.Single(sessions, s => s.IsCurrent);
        Assert.Equal(Chrome, current.UserAgent);
        Assert.Equal(Firefox, Assert.Single(sessions, s => !s.IsCurrent).UserAgent);
        Assert.All(sessions, s => Assert.Equal("203.0.113.7", s.ClientAddress));
        Assert.All(sessions, s => Assert.True(s.Created <= s.LastSeen));
        foreach (var id in new[] { SetCookies.IdOf(first), SetCookies.IdOf(second) })
        {
            Assert.DoesNotContain(sessions, s => s.Handle.Contains(id, StringComparison.Ordinal) || id.Contains(s.Handle, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Revoke_EndsThatSession_WhoseNextRequestIsAnonymous_AndOnlyTheUsersOwnSessionsCanBeNamed()
    {
        await using var host = await StartAsync();
        var first = await SignInAsync(host, "alice", Chrome);
        var second = await SignInAsync(host, "alice", Firefox);
        var bob = await SignInAsync(host, "bob", Chrome);
        var bobsHandle = Assert.Single(await ListAsync(host, bob)).Handle;
        var secondHandle = Assert.Single(await ListAsync(host, first), s => !s.IsCurrent).Handle;

        Assert.Equal("False", await PostAsync(host, $"/revoke?handle={Uri.EscapeDataString(bobsHandle)}", first));
        Assert.Equal("True", await PostAsync(host, $"/revoke?handle={Uri.EscapeDataString(secondHandle)}", first));

        Assert.Equal("anonymous", await SignInApp.GetAsync(host, "/me", second));
        Assert.Equal("bob", await SignInApp.GetAsync(host, "/me", bob));
        Assert.Equal("alice", await SignInApp.GetAsync(host, "/me", first));
        Assert.Single(await ListAsync(host, first));
    }

    [Fact]
    public async Task RevokeOthers_EndsEverySessionButTheCurrent_AndRevokeAll_EndsThemAll()
    {
        await using var host = await StartAsync();
        var sessions = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            sessions.Add(await SignInAsync(host, "alice", Chrome));
        }

        Assert.Equal("3", await PostAsync(host, "/revoke-others", sessions[0]));
        Assert.Equal("alice", await SignInApp.GetAsync(host, "/me", sessions[0]));
        foreach (var other in sessions.Skip(1))
        {
            Assert.Equal("anonymous", await SignInApp.GetAsync(host, "/me", other));
        }

        var another = await SignInAsync(host, "alice", Firefox);
        Assert.Equal("2", await PostAsync(host, "/revoke-all?user=alice", null));
        Assert.Equal("anonymous", await SignInApp.GetAsync(host, "/me", sessions[0]));
        Assert.Equal("anonymous", await SignInApp.GetAsync(host, "/me", another));
    }

    [Fact]
    public async Task RevokeAll_FromARequestHoldingItsOwnSession_EndsEveryOne_ItsOwnSignedOut_WithoutWaitingForItself()
    {
        await using var host = await StartAsync(map: app => app.MapPost("/revoke-all-here", async (ServerSession session, HttpContext context, UserSessions sessions) =>
            (await sessions.RevokeAllAsync(context)).ToString()));
        var here = await SignInAsync(host, "alice", Chrome);
        var elsewhere = await SignInAsync(host, "alice", Firefox);

        using var response = await host.SendAsync("/revoke-all-here", here, HttpMethod.Post).Within("sign out everywhere, from a request that holds its session");

        Assert.Equal("2", await response.Content.ReadAsStringAsync());
        Assert.Contains("expires=Thu, 01 Jan 1970", SetCookies.Find(response), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("anonymous", await SignInApp.GetAsync(host, "/me", here));
        Assert.Equal("anonymous", await SignInApp.GetAsync(host, "/me", elsewhere));
    }

    [Fact]
    public async Task ExpiredSignedOutAndRegeneratedSessions_NeverShow_AndAreDroppedFromTheIndex()
    {
        await using var host = await StartAsync(o => o.IdleTimeout = TimeSpan.FromHours(1));
        var idle = await SignInAsync(host, "alice", Chrome);
        host.Time.Advance(TimeSpan.FromMinutes(40));
        var current = await SignInAsync(host, "alice", Chrome);
        var signedOut = await SignInAsync(host, "alice", Chrome);
        var regenerated = await SignInAsync(host, "alice", Chrome);
        host.Time.Advance(TimeSpan.FromMinutes(30)); // the first is past its idle timeout; the others are not
        using (await host.SendAsync("/signout", signedOut, HttpMethod.Post))
        {
        }

        using var regenerate = await host.SendAsync("/regenerate", regenerated, HttpMethod.Post);
        var renewed = SetCookies.Pair(regenerate);
        Assert.Equal("alice", await SignInApp.GetAsync(host, "/me", renewed)); // seen under its new ID: indexed again

        var listed = await ListAsync(host, current);

        Assert.Equal(2, listed.Length);
        Assert.Equal("anonymous", await SignInApp.GetAsync(host, "/me", idle));
        var index = (IServerSessionIndexStore)host.Memory;
        var ids = (await index.ListAsync("alice", default)).Select(e => e.Id).Order(StringComparer.Ordinal);
        Assert.Equal(new[] { SetCookies.IdOf(current), SetCookies.IdOf(renewed) }.Order(StringComparer.Ordinal), ids);
    }

    [Fact]
    public async Task ASignInAnExpressAppMade_IsIndexedWhenFirstSeen_SoSignOutEverywhereReachesIt()
    {
        await using var host = await StartAsync();
        var mine = await SignInAsync(host, "alice", Chrome);
        var expressId = "signedInByPassportOnExpress0001";
        await host.Memory.SetAsync(
            expressId,
            new SessionRecord(Encoding.UTF8.GetBytes("{\"passport\":{\"user\":\"alice\"},\"visits\":7}"), host.Time.GetUtcNow().AddHours(1)),
            default);
        var express = "connect.sid=" + Uri.EscapeDataString(new CookieSigner([SessionTestHost.Secret]).Sign(expressId));
        Assert.Single(await ListAsync(host, mine)); // not yet seen here

        Assert.Equal("alice", await SignInApp.GetAsync(host, "/me", express));
        Assert.Equal(2, (await ListAsync(host, mine)).Length);
        Assert.Equal("1", await PostAsync(host, "/revoke-others", mine));

        Assert.Null(await host.Memory.GetAsync(expressId, default));
    }

    [Fact]
    public async Task LastSeen_IsRefreshedAtMostOnceAMinute_WithoutAWritePerRequest()
    {
        await using var host = await StartAsync();
        var cookie = await SignInAsync(host, "alice", Chrome);
        var signedInAt = Assert.Single(await ListAsync(host, cookie)).LastSeen;
        host.Store.Calls.Clear();

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("alice", await SignInApp.GetAsync(host, "/me", cookie));
            host.Time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(0, host.Store.Count("index"));
        host.Time.Advance(TimeSpan.FromSeconds(15));
        await SignInApp.GetAsync(host, "/me", cookie);
        Assert.Equal(1, host.Store.Count("index"));
        var other = await SignInAsync(host, "alice", Firefox);
        var seen = Assert.Single(await ListAsync(host, other), s => !s.IsCurrent).LastSeen;
        Assert.Equal(TimeSpan.FromSeconds(65), seen - signedInAt);
    }

    [Fact]
    public async Task Revoke_WaitsForARequestOfThatSessionInFlight_WhichThenCannotSaveItBack()
    {
        var gate = new HoldGate();
        await using var host = await StartAsync(map: app => app.MapGet("/hold", async (ServerSession session) =>
        {
            await gate.EnterAsync();
            return VisitCounter.Count(session);
        }));
        var first = await SignInAsync(host, "alice", Chrome);
        var second = await SignInAsync(host, "alice", Firefox);
        var held = host.SendAsync("/hold", second);
        await gate.Inside;

        var revoke = PostAsync(host, "/revoke-others", first);
        var locks = host.Services.GetRequiredService<SessionRuntime>().Locks;
        await Bounded.UntilAsync(() => locks.WaitingCount == 1, "the revocation to queue behind the held request of that session");
        gate.Release();

        Assert.Equal("1", await revoke.Within("the revocation, once the held request is done"));
        (await held.Within("the held request")).Dispose();
        Assert.Equal("anonymous", await SignInApp.GetAsync(host, "/me", second));
        Assert.Null(await host.Memory.GetAsync(SetCookies.IdOf(second), default));
    }

    [Fact]
    public async Task WithAStoreThatKeepsNoIndex_SignInWorks_AndUserSessionsSaysWhy()
    {
        await using var host = await SignInApp.StartAsync(
            store: time => new InMemoryLeaseStore(time), map: app => app.MapGet("/sessions", ListEndpoint));
        var cookie = await SignInApp.SignInAsync(host, "alice");

        Assert.Equal("alice", await SignInApp.GetAsync(host, "/me", cookie));
        Assert.False(host.Services.GetRequiredService<UserSessions>().IsSupported);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.SendAsync("/sessions", cookie));
        Assert.Contains("keeps no index", error.Message, StringComparison.Ordinal);
    }

    private static Task<SessionTestHost> StartAsync(Action<ServerSessionOptions>? configure = null, Action<WebApplication>? map = null) =>
        SignInApp.StartAsync(configure: configure, beforeSessions: ClientAddress.Use, map: app =>
        {
            app.MapGet("/sessions", ListEndpoint);
            app.MapPost("/revoke", async (HttpContext context, UserSessions sessions, string handle) => (await sessions.RevokeAsync(context, handle)).ToString());
            app.MapPost("/revoke-others", async (HttpContext context, UserSessions sessions) => (await sessions.RevokeOthersAsync(context)).ToString());
            app.MapPost("/revoke-all", async (UserSessions sessions, string user) => (await sessions.RevokeAllAsync(user)).ToString());
            app.MapPost("/regenerate", async (ServerSession session) =>
            {
                await session.RegenerateAsync();
                return "regenerated";
            });
            map?.Invoke(app);
        });

    private static async Task<IResult> ListEndpoint(HttpContext context, UserSessions sessions) => Results.Json(await sessions.ListAsync(context));

    private static async Task<string> SignInAsync(SessionTestHost host, string name, string userAgent)
    {
        using var response = await host.SendAsync($"/signin?name={name}", method: HttpMethod.Post, configure: r =>
        {
            r.Headers.UserAgent.ParseAdd(userAgent);
            ClientAddress.From("203.0.113.7")(r);
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return SetCookies.Pair(response);
    }

    private static async Task<UserSessionInfo[]> ListAsync(SessionTestHost host, string cookie)
    {
        using var response = await host.SendAsync("/sessions", cookie);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonSerializer.Deserialize<UserSessionInfo[]>(await response.Content.ReadAsStringAsync(), JsonSerializerOptions.Web)!;
    }

    private static async Task<string> PostAsync(SessionTestHost host, string path, string? cookie)
    {
        using var response = await host.SendAsync(path, cookie, HttpMethod.Post);
        return await response.Content.ReadAsStringAsync();
    }
}
