using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ServerSessions.Tests.Authentication;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Telemetry;

/// <summary><c>server_sessions.sign_ins</c>, <c>sign_outs</c> and <c>revocations</c>: counted by outcome, reason and scope.</summary>
public sealed class AuthenticationMetricsTests
{
    private static Task<SessionTestHost> StartAsync(Action<ServerSessionAuthenticationOptions>? authentication = null) => SignInApp.StartAsync(
        authentication,
        map: app =>
        {
            app.MapPost("/signin-nobody", async (HttpContext context) =>
            {
                await context.SignInAsync(new ClaimsPrincipal(new ClaimsIdentity([], "password"))); // signed in, but as nobody it can store
                return "signed in";
            });
            app.MapGet("/handles", async (HttpContext context, UserSessions sessions) =>
                string.Join(' ', (await sessions.ListAsync(context)).Where(s => !s.IsCurrent).Select(s => s.Handle)));
            app.MapPost("/revoke", async (HttpContext context, UserSessions sessions, string handle) => (await sessions.RevokeAsync(context, handle)).ToString());
            app.MapPost("/revoke-others", async (HttpContext context, UserSessions sessions) => (await sessions.RevokeOthersAsync(context)).ToString());
            app.MapPost("/revoke-all", async (UserSessions sessions, string user) => (await sessions.RevokeAllAsync(user)).ToString());
        });

    private static async Task<string> PostAsync(SessionTestHost host, string path, string? cookie)
    {
        using var response = await host.SendAsync(path, cookie, HttpMethod.Post);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task SignIns_AreCountedBySuccessAndFailure()
    {
        await using var host = await StartAsync();
        using var telemetry = TelemetryCapture.Start(host);

        await SignInApp.SignInAsync(host, "alice");
        await Assert.ThrowsAsync<InvalidOperationException>(() => host.SendAsync("/signin-nobody", method: HttpMethod.Post));

        Assert.Equal(1, telemetry.Sum("server_sessions.sign_ins", ("server_sessions.sign_in.outcome", "success")));
        Assert.Equal(1, telemetry.Sum("server_sessions.sign_ins", ("server_sessions.sign_in.outcome", "failure")));
        Assert.All(telemetry.Of("server_sessions.sign_ins"), m => Assert.Equal("{sign_in}", m.Unit));
    }

    [Fact]
    public async Task SignOuts_AreCountedByReason_TheAppsOrTheUsersRejection()
    {
        var rejected = new HashSet<string>();
        await using var host = await StartAsync(o => o.Events.OnValidateUser = context =>
        {
            if (rejected.Contains(context.User))
            {
                context.RejectUser();
            }

            return Task.CompletedTask;
        });
        using var telemetry = TelemetryCapture.Start(host);
        var alice = await SignInApp.SignInAsync(host, "alice");
        var bob = await SignInApp.SignInAsync(host, "bob");

        Assert.Equal("signed out", await PostAsync(host, "/signout", alice));
        rejected.Add("bob");
        Assert.Equal("anonymous", await SignInApp.GetAsync(host, "/me", bob));

        Assert.Equal(1, telemetry.Sum("server_sessions.sign_outs", ("server_sessions.sign_out.reason", "sign_out")));
        Assert.Equal(1, telemetry.Sum("server_sessions.sign_outs", ("server_sessions.sign_out.reason", "rejected")));
    }

    [Fact]
    public async Task Revocations_AreCountedPerSessionEnded_ByScope()
    {
        await using var host = await StartAsync();
        using var telemetry = TelemetryCapture.Start(host);
        var alice = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            alice.Add(await SignInApp.SignInAsync(host, "alice"));
        }

        var handle = (await SignInApp.GetAsync(host, "/handles", alice[0])).Split(' ')[0];
        Assert.Equal("True", await PostAsync(host, $"/revoke?handle={Uri.EscapeDataString(handle)}", alice[0]));
        Assert.Equal("2", await PostAsync(host, "/revoke-others", alice[0]));
        await SignInApp.SignInAsync(host, "bob");
        Assert.Equal("1", await PostAsync(host, "/revoke-all?user=bob", null));

        Assert.Equal(1, telemetry.Sum("server_sessions.revocations", ("server_sessions.revocation.scope", "one")));
        Assert.Equal(2, telemetry.Sum("server_sessions.revocations", ("server_sessions.revocation.scope", "others")));
        Assert.Equal(1, telemetry.Sum("server_sessions.revocations", ("server_sessions.revocation.scope", "all")));
        Assert.NotEmpty(telemetry.Of("server_sessions.store.operation.duration", ("server_sessions.store.operation", "index.list")));
        Assert.NotEmpty(telemetry.Of("server_sessions.store.operation.duration", ("server_sessions.store.operation", "index.write")));
        Assert.NotEmpty(telemetry.Of("server_sessions.store.operation.duration", ("server_sessions.store.operation", "index.remove")));
    }
}
