using System.Collections.Concurrent;
using ServerSessions;
using ServerSessions.Testing;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>
/// Wraps a real store, counting every call and optionally failing or holding them at a gate, so tests can check exactly
/// what the middleware asked of the store.
/// </summary>
internal class RecordingStore(IServerSessionStore inner) : IServerSessionStore
{
    public ConcurrentQueue<string> Calls { get; } = new();

    public IServerSessionStore Inner { get; } = inner;

    /// <summary>Set to make every call of that kind ("get", "set", "destroy", "touch") throw.</summary>
    public ConcurrentDictionary<string, Exception> Failures { get; } = new();

    /// <summary>
    /// When set, every call waits for it (a hung store, or a write the test lets finish when it chooses); <see cref="Entered"/>
    /// says a call is waiting. A gate the test never opens fails the call after <see cref="Bounded.Limit"/>.
    /// </summary>
    public TaskCompletionSource? Gate { get; set; }

    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Count(string kind) => Calls.Count(c => c == kind);

    public async ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await Before("get");
        return await Inner.GetAsync(id, cancellationToken);
    }

    public async ValueTask SetAsync(string id, SessionRecord record, CancellationToken cancellationToken)
    {
        await Before("set");
        await Inner.SetAsync(id, record, cancellationToken);
    }

    public async ValueTask DestroyAsync(string id, CancellationToken cancellationToken)
    {
        await Before("destroy");
        await Inner.DestroyAsync(id, cancellationToken);
    }

    public async ValueTask<bool> TouchAsync(string id, ReadOnlyMemory<byte> payload, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        await Before("touch");
        return await Inner.TouchAsync(id, payload, expires, cancellationToken);
    }

    protected async Task Before(string kind)
    {
        Calls.Enqueue(kind);
        if (Gate is { } gate)
        {
            Entered.TrySetResult();
            await gate.Task.Within($"the test to open the store's gate on a '{kind}' call");
        }

        if (Failures.TryGetValue(kind, out var failure))
        {
            throw failure;
        }
    }
}
