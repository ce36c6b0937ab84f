using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>
/// Puts ASP.NET Core's forwarded headers middleware in front of the sessions, as an app behind a TLS-terminating proxy
/// has it. express-session's <c>proxy</c> option maps to whether the connection comes from a known proxy.
/// </summary>
internal static class ForwardedProto
{
    /// <summary>Loopback: in <see cref="ForwardedHeadersOptions.KnownProxies"/> by default.</summary>
    public static readonly IPAddress TrustedProxy = IPAddress.Loopback;

    /// <summary>A documentation address no default trusts.</summary>
    public static readonly IPAddress UntrustedProxy = IPAddress.Parse("203.0.113.7");

    /// <summary>Requests come from <paramref name="remote"/>; <c>X-Forwarded-Proto</c> is honoured only from known proxies.</summary>
    public static Action<WebApplication> From(IPAddress remote) => app =>
    {
        // TestServer leaves RemoteIpAddress null, which the middleware accepts from anyone; set it so the
        // known-proxy check is what decides, as it does behind a real proxy.
        app.Use((context, next) =>
        {
            context.Connection.RemoteIpAddress = remote;
            return next(context);
        });
        app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedProto });
    };

    /// <summary>Adds an <c>X-Forwarded-Proto</c> header to a request.</summary>
    public static Action<HttpRequestMessage> Header(string value) =>
        request => request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", value);
}
