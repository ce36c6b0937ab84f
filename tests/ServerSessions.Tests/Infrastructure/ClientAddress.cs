using System.Net;
using Microsoft.AspNetCore.Builder;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>
/// Gives in-process requests a client address, which TestServer leaves null: a <c>beforeSessions</c> callback sets
/// <c>RemoteIpAddress</c> from a test-only header, as a trusted proxy's forwarded headers would.
/// </summary>
internal static class ClientAddress
{
    private const string Header = "X-Test-Client-Address";

    public static void Use(WebApplication app) => app.Use((context, next) =>
    {
        if (context.Request.Headers[Header] is [{ } address])
        {
            context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        }

        return next(context);
    });

    /// <summary>A request <c>configure</c> callback: the request comes from <paramref name="address"/>.</summary>
    public static Action<HttpRequestMessage> From(string address) =>
        request => request.Headers.TryAddWithoutValidation(Header, address);
}
