using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Parity;

/// <summary>
/// express-session G6: proxy trust and the Secure flag. We have no proxy option: ASP.NET Core's forwarded headers
/// middleware decides Request.IsHttps, so express's "proxy: true" is a connection from a known proxy and "proxy:
/// false/unset" is no forwarded headers middleware or an unknown proxy.
/// </summary>
public sealed class ProxyParityTests
{
    [Fact]
    public async Task TrustedProxy_ForwardedHttps_GetsSecureCookie()
    {
        await using var host = await StartAsync(CookieSecure.True, ForwardedProto.From(ForwardedProto.TrustedProxy));

        using var response = await host.SendAsync("/", configure: ForwardedProto.Header("https"));

        Assert.Equal("secure", await response.Content.ReadAsStringAsync());
        Assert.True(CookieAttributes.Of(response).ContainsKey("Secure"));
    }

    [Fact]
    public async Task TrustedProxy_ForwardedProtoList_IsJudgedByTheNearestProxysEntry()
    {
        // express takes the first entry ("https"); ASP.NET Core takes the last, which the nearest (trusted) proxy wrote.
        await using var host = await StartAsync(CookieSecure.True, ForwardedProto.From(ForwardedProto.TrustedProxy));

        using var response = await host.SendAsync("/", configure: ForwardedProto.Header("https,http"));

        Assert.Equal("insecure", await response.Content.ReadAsStringAsync());
        Assert.Null(SetCookies.Find(response));
    }

    [Fact]
    public async Task TrustedProxy_PlainHttpWithoutHeader_GetsNoSecureCookie()
    {
        await using var host = await StartAsync(CookieSecure.True, ForwardedProto.From(ForwardedProto.TrustedProxy));

        using var response = await host.SendAsync("/");

        Assert.Equal("insecure", await response.Content.ReadAsStringAsync()); // the session was written, over http
        Assert.Empty(SetCookies.All(response));
    }

    [Fact]
    public async Task NoForwardedHeadersMiddleware_ForwardedHttpsIsIgnored()
    {
        await using var host = await StartAsync(CookieSecure.True);

        using var response = await host.SendAsync("/", configure: ForwardedProto.Header("https"));

        Assert.Equal("insecure", await response.Content.ReadAsStringAsync());
        Assert.Empty(SetCookies.All(response));
    }

    [Fact]
    public async Task UnknownProxy_ForwardedHttpsIsIgnored()
    {
        await using var host = await StartAsync(CookieSecure.True, ForwardedProto.From(ForwardedProto.UntrustedProxy));

        using var response = await host.SendAsync("/", configure: ForwardedProto.Header("https"));

        Assert.Equal("insecure", await response.Content.ReadAsStringAsync());
        Assert.Empty(SetCookies.All(response));
    }

    [Fact]
    public async Task SchemeDecidedByTheAppsOwnMiddleware_IsHonoured()
    {
        // Express's req.secure (its own trust-proxy logic) has its twin in any middleware that sets Request.Scheme.
        await using var host = await StartAsync(CookieSecure.True, TrustXSecureHeader);

        using var response = await host.SendAsync("/", configure: r =>
        {
            r.Headers.Add("X-Forwarded-Proto", "https");
            r.Headers.Add("X-Secure", "true");
        });

        Assert.Equal("secure", await response.Content.ReadAsStringAsync());
        Assert.True(CookieAttributes.Of(response).ContainsKey("Secure"));
    }

    [Fact]
    public async Task SecureAuto_TrustedForwardedHttps_SetsSecure()
    {
        await using var host = await StartAsync(CookieSecure.Auto, ForwardedProto.From(ForwardedProto.TrustedProxy));

        using var response = await host.SendAsync("/", configure: ForwardedProto.Header("https"));

        Assert.True(CookieAttributes.Of(response).ContainsKey("Secure"));
    }

    [Fact]
    public async Task SecureAuto_UntrustedForwardedHttps_SetsCookieWithoutSecure()
    {
        await using var host = await StartAsync(CookieSecure.Auto, ForwardedProto.From(ForwardedProto.UntrustedProxy));

        using var response = await host.SendAsync("/", configure: ForwardedProto.Header("https"));

        Assert.False(CookieAttributes.Of(response).ContainsKey("Secure"));
    }

    [Fact]
    public async Task SecureAuto_HttpsRequest_SetsSecure()
    {
        await using var host = await StartAsync(CookieSecure.Auto);

        using var response = await host.SendAsync("https://localhost/");

        Assert.Equal("secure", await response.Content.ReadAsStringAsync());
        Assert.True(CookieAttributes.Of(response).ContainsKey("Secure"));
    }

    [Fact]
    public async Task SecureAuto_HttpRequest_SetsCookieWithoutSecure()
    {
        await using var host = await StartAsync(CookieSecure.Auto);

        using var response = await host.SendAsync("/");

        Assert.Equal("insecure", await response.Content.ReadAsStringAsync());
        Assert.False(CookieAttributes.Of(response).ContainsKey("Secure"));
    }

    [Fact]
    public async Task SecureTrue_HttpsRequest_SetsCookie()
    {
        await using var host = await StartAsync(CookieSecure.True);

        using var response = await host.SendAsync("https://localhost/");

        Assert.True(CookieAttributes.Of(response).ContainsKey("Secure"));
    }

    [Fact]
    public async Task SecureTrue_HttpRequest_SendsNoSetCookie()
    {
        await using var host = await StartAsync(CookieSecure.True);

        using var response = await host.SendAsync("/");

        Assert.Equal("insecure", await response.Content.ReadAsStringAsync()); // the session was written, over http
        Assert.Empty(SetCookies.All(response));
    }

    private static Task<SessionTestHost> StartAsync(CookieSecure secure, Action<WebApplication>? beforeSessions = null) =>
        SessionTestHost.StartAsync(ExpressApps.Hit, o => o.Cookie.Secure = secure, beforeSessions: beforeSessions);

    private static void TrustXSecureHeader(WebApplication app) => app.Use((context, next) =>
    {
        if (context.Request.Headers["X-Secure"] == "true")
        {
            context.Request.Scheme = Uri.UriSchemeHttps;
        }

        return next(context);
    });
}
