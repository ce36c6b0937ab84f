using Microsoft.AspNetCore.Builder;
using static ServerSessions.Tests.Infrastructure.VisitCounter;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>
/// <c>/count</c>, and <c>/hold</c>, which counts a visit once the test releases it: a gate that keeps a request
/// inside its action, holding the session (its lock or lease) for as long as the test needs.
/// </summary>
internal sealed class HoldGate
{
    private readonly TaskCompletionSource _inside = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _entered;

    /// <summary>Completes once a request is inside <c>/hold</c>.</summary>
    public Task Inside => _inside.Task.WaitAsync(TimeSpan.FromSeconds(30));

    /// <summary>How many requests have entered <c>/hold</c>.</summary>
    public int Entered => Volatile.Read(ref _entered);

    public void Release() => _release.SetResult();

    /// <summary>Called inside an endpoint: tells the test a request is inside, then waits until the test releases it.</summary>
    public Task EnterAsync()
    {
        Interlocked.Increment(ref _entered);
        _inside.TrySetResult();
        return _release.Task;
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
