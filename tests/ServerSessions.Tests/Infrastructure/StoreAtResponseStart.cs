using System.Globalization;
using Microsoft.AspNetCore.Builder;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>
/// Stamps each response, as it starts, with how many sessions the memory store holds: proof that the session's commit
/// had finished before the first byte left, which a client cannot observe otherwise.
/// </summary>
internal static class StoreAtResponseStart
{
    public const string Header = "X-Test-Sessions-At-Start";

    /// <summary>A <c>beforeSessions</c> callback. Its OnStarting callback runs after the session's, since they run last-registered first.</summary>
    public static void Stamp(WebApplication app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[Header] = context.TestMemory().Count.ToString(CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        });
        return next(context);
    });

    /// <summary>The number stamped on the response.</summary>
    public static int Read(HttpResponseMessage response) =>
        int.Parse(response.Headers.GetValues(Header).Single(), CultureInfo.InvariantCulture);
}
