using System.Net;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using ServerSessions.Testing;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Authentication;

public sealed class SessionAuthenticationTests
{
    [Fact]
    public async Task SignIn_RegeneratesTheSessionId_KeepsItsData_AndStoresTheUserWherePassportDoes()
    {
        await using var host = await SignInApp.StartAsync();
        var before = await FirstVisitAsync(host);

        var after = await SignInApp.SignInAsync(host, "alice", before);

        Assert.NotEqual(SetCookies.IdOf(before), SetCookies.IdOf(after));
        Assert.Equal("2 alice", await SignInApp.GetAsync(host, "/count", after));
        var stored = await host.Memory.GetAsync(SetCookies.IdOf(after), default);
        Assert.Contains("\"passport\":{\"user\":\"alice\"}", Encoding.UTF8.GetString(stored!.Value.Payload.Span));

        // The ID the visitor had before signing in names nothing now: whoever knew it (fixation) holds an empty session.
        Assert.Null(await host.Memory.GetAsync(SetCookies.IdOf(before), default));
        Assert.Equal("1 anonymous", await SignInApp.GetAsync(host, "/count", before));
    }

    [Fact]
    public async Task SignOut_DestroysTheSessionServerSide_AndClearsTheCookie_SoAReplayedCookieIsAnonymous()
    {
        await using var host = await SignInApp.StartAsync();
        var cookie = await SignInApp.SignInAsync(host, "alice");
        Assert.Equal("alice", await SignInApp.GetAsync(host, "/me", cookie));

        using var signOut = await host.SendAsync("/signout", cookie, HttpMethod.Post);

        Assert.Equal("signed out", await signOut.Content.ReadAsStringAsync());
        Assert.Contains("expires=Thu, 01 Jan 1970", SetCookies.Find(signOut), StringComparison.OrdinalIgnoreCase);
        Assert.Null(await host.Memory.GetAsync(SetCookies.IdOf(cookie), default));
        Assert.Equal("anonymous", await SignInApp.GetAsync(host, "/me", cookie));
        using var secret = await host.SendAsync("/secret", cookie);
        Assert.Equal(HttpStatusCode.Unauthorized, secret.StatusCode);
    }

    [Fact]
    public async Task Challenge_SendsPagesToTheLoginPathWithALocalReturnUrl_AndAnswers401ToOtherRequests()
    {
        await using var host = await SignInApp.StartAsync();

        using var page = await host.SendAsync("/secret?tab=1", configure: r => r.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8"));
        using var api = await host.SendAsync("/secret?tab=1", configure: r => r.Headers.Accept.ParseAdd("application/json"));
        using var bare = await host.SendAsync("/secret");

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/login?returnUrl=%2Fsecret%3Ftab%3D1", page.Headers.Location!.OriginalString); // relative: right behind any proxy
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, bare.StatusCode);
    }

    [Fact]
    public async Task Forbid_Answers403_ToASignedInUserThePolicyRefuses()
    {
        await using var host = await SignInApp.StartAsync();
        var cookie = await SignInApp.SignInAsync(host, "alice");

        using var admin = await host.SendAsync("/admin", cookie, configure: r => r.Headers.Accept.ParseAdd("text/html"));
        using var secret = await host.SendAsync("/secret", cookie);

        Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
        Assert.Equal("secret", await secret.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/account", true)]
    [InlineData("/", true)]
    [InlineData("/a?b=c", true)]
    [InlineData("//evil.example", false)]
    [InlineData("/\\evil.example", false)]
    [InlineData("https://evil.example/", false)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("/ok\r\nLocation: https://evil.example", false)]
    [InlineData("", false)]
    public void ReturnUrl_IsLocal_OnlyForAPathOnThisSite(string url, bool local) =>
        Assert.Equal(local, ServerSessionAuthenticationHandler.IsLocal(url));

    [Fact]
    public async Task Challenge_IgnoresARedirectUriToAnotherSite_ReturningToTheRequestedPage()
    {
        await using var host = await SignInApp.StartAsync(map: app => app.MapGet("/away", (HttpContext context) =>
            Results.Challenge(new Microsoft.AspNetCore.Authentication.AuthenticationProperties { RedirectUri = "//evil.example/x" })));

        using var response = await host.SendAsync("/away", configure: r => r.Headers.Accept.ParseAdd("text/html"));

        Assert.Equal("/login?returnUrl=%2Faway", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Authenticating_ARequestWithoutACookie_ReadsNothing()
    {
        await using var host = await SignInApp.StartAsync();

        Assert.Equal("anonymous", await SignInApp.GetAsync(host, "/me", null));
        using var secret = await host.SendAsync("/secret");

        Assert.Equal(HttpStatusCode.Unauthorized, secret.StatusCode);
        Assert.Empty(host.Store.Calls);
    }

    [Fact]
    public async Task Authenticating_TakesNoLockOrLease_AndCostsOneReadAtMost_WhateverTheEndpointDoesWithTheSession()
    {
        await using var host = await SignInApp.StartAsync(store: time => new InMemoryLeaseStore(time));
        var cookie = await SignInApp.SignInAsync(host, "alice");

        host.Store.Calls.Clear();
        Assert.Equal("alice", await SignInApp.GetAsync(host, "/me", cookie));
        Assert.Equal(["get"], host.Store.Calls); // the endpoint never touches the session: one read, no lease

        host.Store.Calls.Clear();
        Assert.Equal("0 alice", await SignInApp.GetAsync(host, "/me-readonly", cookie));
        Assert.Equal(1, host.Store.Count("get")); // read-only: the page's own lock-free read is the one authentication uses
        Assert.Equal(0, host.Store.Count("lease"));

        host.Store.Calls.Clear();
        Assert.Equal("1 alice", await SignInApp.GetAsync(host, "/count", cookie));
        Assert.Equal(1, host.Store.Count("lease")); // the page takes its turn as it would without authentication...
        Assert.Equal(0, host.Store.Count("get"));   // ...and authentication reads the session it loaded
    }

    [Fact]
    public async Task Authenticating_DoesNotWaitForARequestThatHoldsTheSession()
    {
        var gate = new HoldGate();
        await using var host = await SignInApp.StartAsync(map: app => app.MapGet("/hold", async (ServerSession session) =>
        {
            await gate.EnterAsync();
            return VisitCounter.Count(session);
        }));
        var cookie = await SignInApp.SignInAsync(host, "alice");

        var held = host.SendAsync("/hold", cookie);
        await gate.Inside;
        try
        {
            Assert.Equal("alice", await SignInApp.GetAsync(host, "/me", cookie).Within("an authenticated request beside a held one"));
        }
        finally
        {
            gate.Release();
            (await held.Within("the held request")).Dispose();
        }
    }

    [Fact]
    public async Task ValidateUser_BuildsThePrincipal_FromTheStoredUserAndTheSessionsValues()
    {
        await using var host = await SignInApp.StartAsync(
            authentication: o => o.Events.OnValidateUser = context =>
            {
                var visits = context.TryGetSessionValue<int>("visits", out var v) ? v : -1;
                context.Principal = new ClaimsPrincipal(new ClaimsIdentity(
                    [new Claim(ClaimTypes.Name, $"{context.User.ToUpperInvariant()}/{visits}")], context.Scheme.Name));
                return Task.CompletedTask;
            });
        var cookie = await FirstVisitAsync(host);
        cookie = await SignInApp.SignInAsync(host, "alice", cookie);

        Assert.Equal("ALICE/1", await SignInApp.GetAsync(host, "/me", cookie));
    }

    [Fact]
    public async Task ValidateUser_Rejecting_SignsTheSessionOut_AndTheRequestIsAnonymous()
    {
        var deleted = new HashSet<string>();
        await using var host = await SignInApp.StartAsync(
            authentication: o => o.Events.OnValidateUser = context =>
            {
                if (deleted.Contains(context.User))
                {
                    context.RejectUser();
                }

                return Task.CompletedTask;
            });
        var cookie = await SignInApp.SignInAsync(host, "alice");
        Assert.Equal("alice", await SignInApp.GetAsync(host, "/me", cookie));

        deleted.Add("alice");
        using var response = await host.SendAsync("/me", cookie);

        Assert.Equal("anonymous", await response.Content.ReadAsStringAsync());
        Assert.Contains("expires=Thu, 01 Jan 1970", SetCookies.Find(response), StringComparison.OrdinalIgnoreCase);
        Assert.Null(await host.Memory.GetAsync(SetCookies.IdOf(cookie), default));
    }

    [Fact]
    public async Task ARejectionMadeOnAStaleRead_IsCheckedAgainUnderTheTurn_AndKeepsASessionARequestMadeValidMeanwhile()
    {
        var stamps = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        var gate = new HoldGate();
        await using var host = await SignInApp.StartAsync(
            authentication: o => o.Events.OnValidateUser = context =>
            {
                if (context.TryGetSessionValue<string>("stamp", out var stamp) && stamps.GetValueOrDefault(context.User) != stamp)
                {
                    context.RejectUser();
                }

                return Task.CompletedTask;
            },
            map: app =>
            {
                app.MapPost("/stamp", (ServerSession session, string value) =>
                {
                    stamps["alice"] = value;
                    session.Set("stamp", value);
                    return "stamped";
                });
                app.MapPost("/change-password", async (ServerSession session) =>
                {
                    stamps["alice"] = "2"; // the users table changes first, then the session, under its turn
                    session.Set("stamp", "2");
                    await gate.EnterAsync();
                    return "changed";
                });
            });
        var cookie = await SignInApp.SignInAsync(host, "alice");
        using (var stamped = await host.SendAsync("/stamp?value=1", cookie, HttpMethod.Post))
        {
            Assert.Equal("stamped", await stamped.Content.ReadAsStringAsync());
        }

        var change = host.SendAsync("/change-password", cookie, HttpMethod.Post);
        await gate.Inside;
        var meanwhile = SignInApp.GetAsync(host, "/me", cookie); // reads stamp 1 without the turn: rejected, so it waits to sign out
        var locks = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<SessionRuntime>(host.Services).Locks;
        await Bounded.UntilAsync(() => locks.WaitingCount == 1, "the rejected request to wait for the session's turn");
        gate.Release();

        (await change.Within("the password change")).Dispose();
        Assert.Equal("alice", await meanwhile.Within("the request that looked during the change"));
        Assert.NotNull(await host.Memory.GetAsync(SetCookies.IdOf(cookie), default));
        Assert.Equal("alice", await SignInApp.GetAsync(host, "/me", cookie));
    }

    [Theory]
    [InlineData("{\"passport\":{\"user\":\"bob\"},\"visits\":3}", "bob")]
    [InlineData("{\"passport\":{\"user\":42}}", "42")]
    [InlineData("{\"passport\":{}}", "anonymous")]
    [InlineData("{\"passport\":{\"user\":{\"id\":1}}}", "anonymous")]
    [InlineData("{\"passport\":\"bob\"}", "anonymous")]
    [InlineData("{\"visits\":3}", "anonymous")]
    public async Task ASessionAnExpressAppSignedInWithPassport_IsSignedInHere(string payload, string expected)
    {
        await using var host = await SignInApp.StartAsync();
        var id = "expressSessionWrittenByPassport0";
        await host.Memory.SetAsync(
            id, new SessionRecord(Encoding.UTF8.GetBytes(payload), host.Time.GetUtcNow().AddHours(1)), default);

        Assert.Equal(expected, await SignInApp.GetAsync(host, "/me", ExpressCookie(id)));
    }

    [Fact]
    public async Task ASessionPastItsAbsoluteTimeout_IsNotSignedIn()
    {
        await using var host = await SignInApp.StartAsync(configure: o => o.AbsoluteTimeout = TimeSpan.FromHours(1));
        var cookie = await SignInApp.SignInAsync(host, "alice");

        host.Time.Advance(TimeSpan.FromMinutes(61));

        Assert.Equal("anonymous", await SignInApp.GetAsync(host, "/me", cookie));
    }

    [Fact]
    public async Task SignIn_OnAReadOnlyEndpoint_FailsWithAMessage_AndChangesNothing()
    {
        await using var host = await SignInApp.StartAsync(map: app => app.MapPost("/signin-readonly", async (HttpContext context) =>
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                Microsoft.AspNetCore.Authentication.AuthenticationHttpContextExtensions.SignInAsync(
                    context, new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "x")], "t"))));
            return error.Message;
        }).WithMetadata(new ReadOnlySessionAttribute()));

        using var response = await host.SendAsync("/signin-readonly", method: HttpMethod.Post);

        Assert.Contains("read-only", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, host.Store.Count("set"));
    }

    private static async Task<string> FirstVisitAsync(SessionTestHost host)
    {
        using var response = await host.SendAsync("/count");
        Assert.Equal("1 anonymous", await response.Content.ReadAsStringAsync());
        return SetCookies.Pair(response);
    }

    private static string ExpressCookie(string id) =>
        "connect.sid=" + Uri.EscapeDataString(new CookieSigner([SessionTestHost.Secret]).Sign(id));
}
