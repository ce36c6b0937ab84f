using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Authentication;

/// <summary>
/// A small app signed in through the session scheme: <c>/count</c> counts visits and says who is signed in,
/// <c>/me</c> says who is signed in without touching the session, <c>/me-readonly</c> reads it read-only,
/// <c>/secret</c> needs a user, <c>/admin</c> an admin, <c>POST /signin?name=</c> and <c>POST /signout</c> do what they say.
/// </summary>
internal static class SignInApp
{
    public static Task<SessionTestHost> StartAsync(
        Action<ServerSessionAuthenticationOptions>? authentication = null,
        Action<ServerSessionOptions>? configure = null,
        Func<TimeProvider, IServerSessionStore>? store = null,
        Action<WebApplication>? map = null,
        Action<WebApplication>? beforeSessions = null) =>
        SessionTestHost.StartAsync(
            app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapGet("/count", (ServerSession session, HttpContext context) => $"{VisitCounter.Count(session)} {Name(context)}");
                app.MapGet("/me", (HttpContext context) => Name(context));
                app.MapGet("/me-readonly", (ServerSession session, HttpContext context) => $"{session.Get<int>("visits")} {Name(context)}")
                    .WithMetadata(new ReadOnlySessionAttribute());
                app.MapGet("/secret", () => "secret").RequireAuthorization();
                app.MapGet("/admin", () => "admin").RequireAuthorization(policy => policy.RequireRole("admin"));
                app.MapPost("/signin", async (HttpContext context, string name) =>
                {
                    await context.SignInAsync(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], "password")));
                    return "signed in";
                });
                app.MapPost("/signout", async (HttpContext context) =>
                {
                    await context.SignOutAsync();
                    return "signed out";
                });
                map?.Invoke(app);
            },
            configure,
            services =>
            {
                services.AddAuthentication(ServerSessionAuthenticationDefaults.AuthenticationScheme).AddServerSession(authentication);
                services.AddAuthorization();
            },
            beforeSessions: beforeSessions,
            store: store);

    public static string Name(HttpContext context) => context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name! : "anonymous";

    /// <summary>Signs <paramref name="name"/> in on the session of <paramref name="cookie"/> (or a new one) and returns the new cookie.</summary>
    public static async Task<string> SignInAsync(SessionTestHost host, string name, string? cookie = null)
    {
        using var response = await host.SendAsync($"/signin?name={Uri.EscapeDataString(name)}", cookie, HttpMethod.Post);
        Assert.Equal("signed in", await response.Content.ReadAsStringAsync());
        return SetCookies.Pair(response);
    }

    public static async Task<string> GetAsync(SessionTestHost host, string path, string? cookie)
    {
        using var response = await host.SendAsync(path, cookie);
        return await response.Content.ReadAsStringAsync();
    }
}
