using Microsoft.Extensions.Logging;

namespace ServerSessions;

/// <summary>
/// What every request's session shares: validated options, the chosen store, the signer (with the configured or
/// generated secrets), the clock, the locks, the new-session limiter, the rejected cookies' count, the logger and the meter.
/// Assembled once, at startup, by <c>AddServerSessions</c>'s registration; the container, not the runtime, owns and
/// disposes the store and the limiter.
/// </summary>
internal sealed class SessionRuntime
{
    private int _insecureWarned;

    public SessionRuntime(
        ServerSessionOptions options, CookieSigner signer, IServerSessionStore store, string storeName, NewSessionLimiter newSessions, TimeProvider time,
        ILogger logger, SessionMetrics metrics)
    {
        Options = options;
        Signer = signer;
        VerifiedCookies = new VerifiedCookies(signer);
        Store = store;
        StoreName = storeName;
        var storeTag = SessionMetrics.StoreTagOf(storeName);
        GuardedStore = new GuardedStore(store, options.StoreTimeout, time, metrics, storeTag);
        NewSessions = newSessions;
        RejectedCookies = new RejectedCookies(logger, time, metrics);
        Time = time;
        Logger = logger;
        Metrics = metrics;
        Events = new SessionEvents(logger, metrics, storeTag);
        Locks = new SessionLocks(options, time, logger);
    }

    public ServerSessionOptions Options { get; }

    public IServerSessionStore Store { get; }

    /// <summary>The name the store is registered under (<c>Session:Store</c>), for the log.</summary>
    public string StoreName { get; }

    /// <summary>The store as the session calls it: bounded, faults as <see cref="SessionStoreException"/>.</summary>
    public GuardedStore GuardedStore { get; }

    public CookieSigner Signer { get; }

    public VerifiedCookies VerifiedCookies { get; }

    /// <summary>Admits or refuses a session the request did not come with (<see cref="ServerSessionOptions.NewSessionLimit"/>).</summary>
    public NewSessionLimiter NewSessions { get; }

    public RejectedCookies RejectedCookies { get; }

    public TimeProvider Time { get; }

    public SessionLocks Locks { get; }

    public ILogger Logger { get; }

    /// <summary>The app's <c>ServerSessions</c> meter's instruments.</summary>
    public SessionMetrics Metrics { get; }

    /// <summary>Sessions' lifecycle events, logged and counted.</summary>
    public SessionEvents Events { get; }

    public void WarnSecureCookieOverHttpOnce()
    {
        if (Interlocked.Exchange(ref _insecureWarned, 1) == 0)
        {
            Logger.SecureCookieOverHttp();
        }
    }
}
