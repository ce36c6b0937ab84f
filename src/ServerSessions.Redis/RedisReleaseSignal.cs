using System.Collections.Concurrent;
using StackExchange.Redis;

namespace ServerSessions.Redis;

/// <summary>
/// Wakes the requests of this process that wait for a session's lease when another instance publishes its release on
/// the channel <c>&lt;prefix&gt;released</c> (the message is the session ID): one subscription per store, made on first
/// need, and one waiter per session shared by the requests of this process that wait for it.
/// </summary>
internal sealed class RedisReleaseSignal(RedisConnection connection, string channel, TimeSpan operationTimeout)
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);
    private readonly Lock _subscribeLock = new();
    private Task? _subscription;

    /// <summary>The channel releases are published on.</summary>
    public string Channel => channel;

    /// <summary>A task that completes when the release of <paramref name="id"/> is published; subscribed before it returns.</summary>
    public async Task<TaskCompletionSource> ListenAsync(string id, CancellationToken cancellationToken)
    {
        await SubscribeAsync(cancellationToken);
        return _waiters.GetOrAdd(id, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    /// <summary>Stops listening with <paramref name="waiter"/>: another waiter of the ID sharing it then falls back on its own timeout.</summary>
    public void StopListening(string id, TaskCompletionSource waiter) =>
        _waiters.TryRemove(new KeyValuePair<string, TaskCompletionSource>(id, waiter));

    private Task SubscribeAsync(CancellationToken cancellationToken)
    {
        lock (_subscribeLock)
        {
            if (_subscription is null || _subscription.IsFaulted || _subscription.IsCanceled)
            {
                _subscription = SubscribeCoreAsync();
            }

            return _subscription.WaitAsync(cancellationToken);
        }
    }

    private async Task SubscribeCoreAsync()
    {
        var subscriber = await connection.SubscriberAsync();
        await subscriber.SubscribeAsync(RedisChannel.Literal(channel), (_, message) =>
        {
            if (_waiters.TryRemove((string)message!, out var waiter))
            {
                waiter.TrySetResult();
            }
        }).WaitAsync(operationTimeout);
    }
}
