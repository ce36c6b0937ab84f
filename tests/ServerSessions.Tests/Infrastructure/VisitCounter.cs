using System.Globalization;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>The visit-counting endpoint and helpers the concurrency suites (in-process and across Redis nodes) share.</summary>
internal static class VisitCounter
{
    /// <summary>Counts this visit in the session and returns the count.</summary>
    public static string Count(ServerSession session)
    {
        var visits = session.Get<int>("visits") + 1;
        session.Set("visits", visits);
        return visits.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Visits <paramref name="path"/> without a cookie, checks it counted 1, and returns the new session's cookie.</summary>
    public static async Task<string> FirstVisitAsync(SessionTestHost host, string path = "/count")
    {
        using var response = await host.SendAsync(path);
        Assert.Equal("1", await response.Content.ReadAsStringAsync());
        return SetCookies.Pair(response);
    }
}
