using Microsoft.AspNetCore.Builder;
using ServerSessions.Testing;
using static ServerSessions.Tests.Infrastructure.VisitCounter;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>
/// <c>/count</c>, and <c>/hold</c>, which counts a visit once the test releases it: a gate that keeps a request
/// inside its action, holding the session (its lock or lease) for as long as the test needs. Both sides are bounded:
/// the test waits at most <see cref="Bounded.Limit"/> for a request to come inside, and a held request gives up after
/// as long (failing its response) when a test that failed early never releases it, so the host can still stop.
/// </summary>
internal sealed class HoldGate
{
    private readonly TaskCompletionSource _inside = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _entered;

    /// <summary>Completes once a request is inside <c>/hold</c>; fails, naming it, when none comes within <see cref="Bounded.Limit"/>.</summary>
    public Task Inside => _inside.Task.Within("a request to come inside the held endpoint");

    /// <summary>How many requests have entered <c>/hold</c>.</summary>
    public int Entered => Volatile.Read(ref _entered);

    public void Release() => _release.SetResult();

    /// <summary>
    /// Called inside an endpoint: tells the test a request is inside, then waits until the test releases it (at most
    /// <see cref="Bounded.Limit"/>: then the request fails, rather than keep the host from stopping).
    /// </summary>
    public Task EnterAsync()
    {
        Interlocked.Increment(ref _entered);
        _inside.TrySetResult();
        return _release.Task.Within("the test to release the request held inside the endpoint");
    }

    public void Map(WebApplication app)
    {
        app.MapGet("/count", Count);
        app.MapGet("/hold", async (ServerSession session) =>
        {
            await EnterAsync();
            return Count(session);
        });
    }
}
