namespace ServerSessions;

/// <summary>
/// The token one store call is given: canceled when its caller's is, or when the middleware gives up on the call after
/// <see cref="ServerSessionOptions.StoreTimeout"/>, so that a store can drop work nobody waits for any more (a queued
/// write is then never applied). Disposed when the call is over.
/// </summary>
/// <remarks>
/// One is kept per thread for the next call, so a store that answers in time (every call, on a good day) costs no
/// allocation; one that was canceled is not reused.
/// </remarks>
internal sealed class StoreCallCancellation : IDisposable
{
    [ThreadStatic]
    private static StoreCallCancellation? t_spare;

    private readonly CancellationTokenSource _source = new();
    private CancellationTokenRegistration _caller;

    private StoreCallCancellation()
    {
    }

    public CancellationToken Token => _source.Token;

    public static StoreCallCancellation Start(CancellationToken caller)
    {
        var call = t_spare ?? new StoreCallCancellation();
        t_spare = null;
        if (caller.CanBeCanceled)
        {
            call._caller = caller.UnsafeRegister(static state => ((StoreCallCancellation)state!)._source.Cancel(), call);
        }

        return call;
    }

    /// <summary>Tells the store, before the caller hears of the timeout, that nobody waits for the call any more.</summary>
    public void GiveUp() => _source.Cancel();

    public void Dispose()
    {
        _caller.Dispose();
        _caller = default;

        // False once canceled; a reset also drops whatever the store registered on the token.
        if (_source.TryReset())
        {
            t_spare = this;
        }
    }
}
