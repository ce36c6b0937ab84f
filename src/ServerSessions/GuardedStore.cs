using System.Runtime.CompilerServices;

namespace ServerSessions;

/// <summary>
/// The store as the session core calls it: every call bounded by <see cref="ServerSessionOptions.StoreTimeout"/>, and a
/// failure of the store (not a data error, not the caller's own cancellation) turned into a
/// <see cref="SessionStoreException"/> that says what failed, which the middleware answers with a 503. The store's token is
/// canceled when the middleware gives up on a call, before its caller hears of the timeout.
/// </summary>
internal sealed class GuardedStore(IServerSessionStore store, TimeSpan timeout, TimeProvider time)
{
    /// <summary>The store's lease contract, when it is shared by several processes; otherwise <see langword="null"/>.</summary>
    public IServerSessionLeaseStore? Leases { get; } = store as IServerSessionLeaseStore;

    public TimeProvider Time => time;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var record = await CallAsync(static (s, ct) => s.Store.GetAsync(s.Id, ct), (Store: store, Id: id), "load", cancellationToken);

        // The contract says stores hide expired sessions; don't trust a clock-skewed one to.
        return record is { } r && r.Expires > time.GetUtcNow() ? r : null;
    }

    public ValueTask SetAsync(string id, SessionRecord record, CancellationToken cancellationToken) =>
        CallAsync(static (s, ct) => s.Store.SetAsync(s.Id, s.Record, ct), (Store: store, Id: id, Record: record), "save", cancellationToken);

    public ValueTask<bool> TouchAsync(string id, ReadOnlyMemory<byte> payload, DateTimeOffset expires, CancellationToken cancellationToken) =>
        CallAsync(static (s, ct) => s.Store.TouchAsync(s.Id, s.Payload, s.Expires, ct), (Store: store, Id: id, Payload: payload, Expires: expires), "touch", cancellationToken);

    public ValueTask DestroyAsync(string id, CancellationToken cancellationToken) =>
        CallAsync(static (s, ct) => s.Store.DestroyAsync(s.Id, ct), (Store: store, Id: id), "delete", cancellationToken);

    /// <summary>Calls the store: bounded, and a store fault thrown as "The session store failed to <paramref name="what"/> the session."</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<T> CallAsync<TState, T>(Func<TState, CancellationToken, ValueTask<T>> call, TState state, string what, CancellationToken cancellationToken)
    {
        using var cancellation = StoreCallCancellation.Start(cancellationToken);
        try
        {
            var operation = call(state, cancellation.Token);
            if (operation.IsCompletedSuccessfully)
            {
                return operation.Result;
            }

            var pending = operation.AsTask();
            try
            {
                return await pending.WaitAsync(timeout, time);
            }
            catch (TimeoutException)
            {
                // The store hears first, so it can drop the work or log it as in doubt; it may have finished meanwhile.
                cancellation.GiveUp();
                if (pending.IsCompletedSuccessfully)
                {
                    return pending.Result;
                }

                throw;
            }
        }
        catch (Exception ex) when (IsFault(ex, cancellationToken))
        {
            throw new SessionStoreException($"The session store failed to {what} the session.", ex);
        }
    }

    /// <inheritdoc cref="CallAsync{TState, T}"/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask CallAsync<TState>(Func<TState, CancellationToken, ValueTask> call, TState state, string what, CancellationToken cancellationToken)
    {
        using var cancellation = StoreCallCancellation.Start(cancellationToken);
        try
        {
            var operation = call(state, cancellation.Token);
            if (operation.IsCompletedSuccessfully)
            {
                return;
            }

            var pending = operation.AsTask();
            try
            {
                await pending.WaitAsync(timeout, time);
            }
            catch (TimeoutException)
            {
                cancellation.GiveUp();
                if (!pending.IsCompletedSuccessfully)
                {
                    throw;
                }
            }
        }
        catch (Exception ex) when (IsFault(ex, cancellationToken))
        {
            throw new SessionStoreException($"The session store failed to {what} the session.", ex);
        }
    }

    // Stores that complete synchronously (memory) pay nothing; a pending operation is abandoned after StoreTimeout with a
    // TimeoutException, which becomes a 503.
    public ValueTask Bounded(ValueTask operation) =>
        operation.IsCompletedSuccessfully ? operation : new ValueTask(operation.AsTask().WaitAsync(timeout, time));

    public ValueTask<T> Bounded<T>(ValueTask<T> operation) =>
        operation.IsCompletedSuccessfully ? operation : new ValueTask<T>(operation.AsTask().WaitAsync(timeout, time));

    /// <summary>Whether <paramref name="ex"/>, thrown by a store operation, is the store's failure (not a data error or the caller's cancellation).</summary>
    public static bool IsFault(Exception ex, CancellationToken cancellationToken) =>
        ex is not (SessionDataException or SessionStoreException) && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested);
}
