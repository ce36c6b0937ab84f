using System.Globalization;
using ServerSessions.Testing;

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

    /// <summary>
    /// Bounded polling of a condition (not of time): the state it waits for is reached by other tasks. Fails after
    /// <see cref="Bounded.Limit"/> with a message naming <paramref name="what"/>.
    /// </summary>
    public static Task WaitUntilAsync(Func<bool> condition, string what = "the condition the test waits for") =>
        Bounded.UntilAsync(condition, what);
}
