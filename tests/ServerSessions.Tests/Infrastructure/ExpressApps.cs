using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>The small apps express-session's own tests run (test/session.js), as minimal API endpoints answering every path.</summary>
internal static class ExpressApps
{
    private const string AnyPath = "/{**path}";

    /// <summary>
    /// Answers "session N", N being the number of the session the client has (express's <c>num ||= ++count</c>), so a
    /// request that lost its session shows a new number.
    /// </summary>
    public static void Numbered(WebApplication app)
    {
        var count = 0;
        app.MapGet(AnyPath, (ServerSession session) =>
        {
            var num = session.Get<int?>("num") ?? Interlocked.Increment(ref count);
            session.Set("num", num);
            return $"session {num}";
        });
    }

    /// <summary>Counts the session's requests: "1", "2", …</summary>
    public static void Counter(WebApplication app) =>
        app.MapGet(AnyPath, (ServerSession session) =>
        {
            var count = session.Get<int>("count") + 1;
            session.Set("count", count);
            return count.ToString(CultureInfo.InvariantCulture);
        });

    /// <summary>Sets <c>hit = true</c>, a change only on the session's first request, and answers whether the request was HTTPS.</summary>
    public static void Hit(WebApplication app) =>
        app.MapGet(AnyPath, (ServerSession session, HttpContext context) =>
        {
            session.Set("hit", true);
            return context.Request.IsHttps ? "secure" : "insecure";
        });

    /// <summary>Loads the session and leaves it unchanged (express's default handler, a bare <c>res.end()</c>).</summary>
    public static void LoadOnly(WebApplication app) =>
        app.MapGet(AnyPath, (ServerSession session) => session.IsLoaded ? Results.Empty : Results.StatusCode(500));
}
