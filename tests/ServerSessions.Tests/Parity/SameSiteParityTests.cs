using Microsoft.AspNetCore.Builder;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Parity;

/// <summary>express-session G7: <c>sameSite: 'auto'</c> gives None to secure requests and Lax to the rest.</summary>
public sealed class SameSiteParityTests
{
    [Fact]
    public async Task SameSiteAuto_HttpsRequest_GetsNone()
    {
        await using var host = await StartAsync(CookieSecure.Auto);
        using var response = await host.SendAsync("https://localhost/");
        Assert.Equal("None", CookieAttributes.Of(response)["SameSite"]);
    }

    [Fact]
    public async Task SameSiteAuto_HttpRequest_GetsLax()
    {
        await using var host = await StartAsync(CookieSecure.Auto);
        using var response = await host.SendAsync("/");
        Assert.Equal("Lax", CookieAttributes.Of(response)["SameSite"]);
    }

    [Fact]
    public async Task SameSiteAuto_TrustedProxyForwardedHttps_GetsNone()
    {
        await using var host = await StartAsync(CookieSecure.Auto, ForwardedProto.From(ForwardedProto.TrustedProxy));
        using var response = await host.SendAsync("/", configure: ForwardedProto.Header("https"));
        Assert.Equal("None", CookieAttributes.Of(response)["SameSite"]);
    }

    [Fact]
    public async Task SameSiteAuto_TrustedProxyForwardedHttp_GetsLax()
    {
        await using var host = await StartAsync(CookieSecure.Auto, ForwardedProto.From(ForwardedProto.TrustedProxy));
        using var response = await host.SendAsync("/", configure: ForwardedProto.Header("http"));
        Assert.Equal("Lax", CookieAttributes.Of(response)["SameSite"]);
    }

    [Fact]
    public async Task SameSiteAuto_UntrustedProxyForwardedHttps_GetsLax()
    {
        await using var host = await StartAsync(CookieSecure.Auto, ForwardedProto.From(ForwardedProto.UntrustedProxy));
        using var response = await host.SendAsync("/", configure: ForwardedProto.Header("https"));
        Assert.Equal("Lax", CookieAttributes.Of(response)["SameSite"]);
    }

    [Fact]
    public async Task SameSiteAuto_SecureAuto_HttpsRequest_GetsSecureAndNone()
    {
        await using var host = await StartAsync(CookieSecure.Auto);
        using var response = await host.SendAsync("https://localhost/");
        var attributes = CookieAttributes.Of(response);
        Assert.True(attributes.ContainsKey("Secure"));
        Assert.Equal("None", attributes["SameSite"]);
    }

    [Fact]
    public async Task SameSiteAuto_SecureAuto_HttpRequest_GetsLaxWithoutSecure()
    {
        await using var host = await StartAsync(CookieSecure.Auto);
        using var response = await host.SendAsync("/");
        var attributes = CookieAttributes.Of(response);
        Assert.False(attributes.ContainsKey("Secure"));
        Assert.Equal("Lax", attributes["SameSite"]);
    }

    [Fact]
    public async Task SameSiteAuto_SecureFalse_IsAStartupError()
    {
        // express sends SameSite=None without Secure to HTTPS requests, a cookie browsers drop; we refuse to start.
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => StartAsync(CookieSecure.False));
        Assert.Contains("Session:Cookie:SameSite is Auto with Session:Cookie:Secure=False", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SameSiteAuto_SecureTrue_HttpsRequest_GetsSecureAndNone()
    {
        await using var host = await StartAsync(CookieSecure.True);
        using var response = await host.SendAsync("https://localhost/");
        var attributes = CookieAttributes.Of(response);
        Assert.True(attributes.ContainsKey("Secure"));
        Assert.Equal("None", attributes["SameSite"]);
    }

    [Fact]
    public async Task SameSiteAuto_SecureTrue_HttpRequest_GetsNoCookie()
    {
        await using var host = await StartAsync(CookieSecure.True);
        using var response = await host.SendAsync("/");
        Assert.Equal("insecure", await response.Content.ReadAsStringAsync()); // the session was written, over http
        Assert.Empty(SetCookies.All(response));
    }

    private static Task<SessionTestHost> StartAsync(CookieSecure secure, Action<WebApplication>? beforeSessions = null) =>
        SessionTestHost.StartAsync(
            ExpressApps.Hit,
            o =>
            {
                o.Cookie.SameSite = CookieSameSite.Auto;
                o.Cookie.Secure = secure;
            },
            beforeSessions: beforeSessions);
}
