using System.Runtime.CompilerServices;

namespace ServerSessions;

/// <summary>
/// The store as the session core calls it: every call bounded by <see cref="ServerSessionOptions.StoreTimeout"/>, and a
/// failure of the store (not a data error, not the caller's own cancellation) turned into a
/// <see cref="SessionStoreException"/> that says what failed, which the middleware answers with a 503. The store's token is
/// canceled when the middleware gives up on a call, before its caller hears of the timeout. Each call is measured
/// (<c>server_sessions.store.operation.duration</c>, a span) when anyone listens.
/// </summary>
internal sealed class GuardedStore(IServerSessionStore store, TimeSpan timeout, TimeProvider time, SessionMetrics metrics, KeyValuePair<string, object?> storeTag)
{
    /// <summary>The store's lease contract, when it is shared by several processes; otherwise <see langword="null"/>.</summary>
    public IServerSessionLeaseStore? Leases { get; } = store as IServerSessionLeaseStore;

    public TimeProvider Time => time;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var record = await CallAsync(static (s, ct) => s.Store.GetAsync(s.Id, ct), (Store: store, Id: id), StoreOperation.Load, cancellationToken);

        // The contract says stores hide expired sessions; don't trust a clock-skewed one to.
        return record is { } r && r.Expires > time.GetUtcNow() ? r : null;
    }

    public ValueTask SetAsync(string id, SessionRecord record, CancellationToken cancellationToken) =>
        CallAsync(static (s, ct) => s.Store.SetAsync(s.Id, s.Record, ct), (Store: store, Id: id, Record: record), StoreOperation.Save, cancellationToken);

    public ValueTask<bool> TouchAsync(string id, ReadOnlyMemory<byte> payload, DateTimeOffset expires, CancellationToken cancellationToken) =>
        CallAsync(static (s, ct) => s.Store.TouchAsync(s.Id, s.Payload, s.Expires, ct), (Store: store, Id: id, Payload: payload, Expires: expires), StoreOperation.Touch, cancellationToken);

    public ValueTask DestroyAsync(string id, CancellationToken cancellationToken) =>
        CallAsync(static (s, ct) => s.Store.DestroyAsync(s.Id, ct), (Store: store, Id: id), StoreOperation.Destroy, cancellationToken);

    /// <summary>Calls the store: bounded, measured, and a store fault thrown as "The session store failed to <paramref name="operation"/> the session."</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<T> CallAsync<TState, T>(
        Func<TState, CancellationToken, ValueTask<T>> call, TState state, StoreOperation operation, CancellationToken cancellationToken)
    {
        var probe = Start(operation);
        var outcome = StoreCallProbe.Success;
        using var cancellation = StoreCallCancellation.Start(cancellationToken);
        try
        {
            var called = call(state, cancellation.Token);
            T result;
            if (called.IsCompletedSuccessfully)
            {
                result = called.Result;
            }
            else
            {
                var pending = called.AsTask();
                try
                {
                    result = await pending.WaitAsync(timeout, time);
                }
                catch (TimeoutException) when (Settled(pending, cancellation))
                {
                    result = pending.Result;
                }
            }

            return result;
        }
        catch (Exception ex)
        {
            outcome = StoreCallProbe.OutcomeOf(ex, cancellationToken);
            if (IsFault(ex, cancellationToken))
            {
                throw new SessionStoreException($"The session store failed to {operation.What} the session.", ex);
            }

            throw;
        }
        finally
        {
            // Out of the try: a listener that throws is not the store's failure, and a call is measured once.
            probe.End(outcome);
        }
    }

    /// <inheritdoc cref="CallAsync{TState, T}"/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask CallAsync<TState>(Func<TState, CancellationToken, ValueTask> call, TState state, StoreOperation operation, CancellationToken cancellationToken)
    {
        var probe = Start(operation);
        var outcome = StoreCallProbe.Success;
        using var cancellation = StoreCallCancellation.Start(cancellationToken);
        try
        {
            var called = call(state, cancellation.Token);
            if (!called.IsCompletedSuccessfully)
            {
                var pending = called.AsTask();
                try
                {
                    await pending.WaitAsync(timeout, time);
                }
                catch (TimeoutException) when (Settled(pending, cancellation))
                {
                }
            }
        }
        catch (Exception ex)
        {
            outcome = StoreCallProbe.OutcomeOf(ex, cancellationToken);
            if (IsFault(ex, cancellationToken))
            {
                throw new SessionStoreException($"The session store failed to {operation.What} the session.", ex);
            }

            throw;
        }
        finally
        {
            probe.End(outcome);
        }
    }

    // Stores that complete synchronously (memory) pay nothing; a pending operation is abandoned after StoreTimeout with a
    // TimeoutException, which becomes a 503. Measured as operation, and thrown as it came (the caller decides what it is).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask Bounded(ValueTask pending, StoreOperation operation, CancellationToken cancellationToken = default)
    {
        var probe = Start(operation);
        var outcome = StoreCallProbe.Success;
        try
        {
            if (!pending.IsCompletedSuccessfully)
            {
                await pending.AsTask().WaitAsync(timeout, time);
            }
        }
        catch (Exception ex)
        {
            outcome = StoreCallProbe.OutcomeOf(ex, cancellationToken);
            throw;
        }
        finally
        {
            probe.End(outcome);
        }
    }

    /// <inheritdoc cref="Bounded(ValueTask, StoreOperation, CancellationToken)"/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<T> Bounded<T>(ValueTask<T> pending, StoreOperation operation, CancellationToken cancellationToken = default)
    {
        var probe = Start(operation);
        var outcome = StoreCallProbe.Success;
        try
        {
            return pending.IsCompletedSuccessfully ? pending.Result : await pending.AsTask().WaitAsync(timeout, time);
        }
        catch (Exception ex)
        {
            outcome = StoreCallProbe.OutcomeOf(ex, cancellationToken);
            throw;
        }
        finally
        {
            probe.End(outcome);
        }
    }

    /// <summary>Whether <paramref name="ex"/>, thrown by a store operation, is the store's failure (not a data error or the caller's cancellation).</summary>
    public static bool IsFault(Exception ex, CancellationToken cancellationToken) =>
        ex is not (SessionDataException or SessionStoreException) && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private StoreCallProbe Start(StoreOperation operation) => StoreCallProbe.Start(metrics, storeTag, operation, time);

    // Timed out: the store hears first, so it can drop the work or log it as in doubt; it may have finished meanwhile.
    private static bool Settled(Task pending, StoreCallCancellation cancellation)
    {
        cancellation.GiveUp();
        return pending.IsCompletedSuccessfully;
    }
}
