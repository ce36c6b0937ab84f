using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ServerSessions;

/// <summary>
/// The <c>ServerSessions</c> meter of one app (from its <see cref="IMeterFactory"/>, so each host has its own) and its
/// instruments, as docs/telemetry.md lists them, with the process's <see cref="ActivitySource"/>. Every tag is a fixed
/// word: never a session ID, cookie, user or address. Callers check <see cref="Instrument.Enabled"/> (or
/// <see cref="ActivitySource.HasListeners"/>) before building tags or taking timestamps, so nobody listening costs nothing.
/// </summary>
internal sealed class SessionMetrics
{
    public const string StoreTag = "server_sessions.store";
    public const string OperationTag = "server_sessions.store.operation";
    public const string OutcomeTag = "server_sessions.store.outcome";
    public const string TurnOutcomeTag = "server_sessions.turn.outcome";
    public const string RefusalCauseTag = "server_sessions.refusal.cause";
    public const string StatusCodeTag = "http.response.status_code";
    public const string CookieRejectionTag = "server_sessions.cookie.rejection";
    public const string SignInOutcomeTag = "server_sessions.sign_in.outcome";
    public const string SignOutReasonTag = "server_sessions.sign_out.reason";
    public const string RevocationScopeTag = "server_sessions.revocation.scope";

    /// <summary>Spans of store calls and turn waits; created once per process, as activity sources are.</summary>
    public static readonly ActivitySource Source = new(ServerSessionsTelemetry.ActivitySourceName);

    // From 100 µs (a memory store's call) to 10 s (past any sensible StoreTimeout or LockTimeout).
    private static readonly double[] DurationBuckets = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly int[] BatchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256];
    private MemorySessionStore? _memory;

    public SessionMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(ServerSessionsTelemetry.MeterName);
        Created = meter.CreateCounter<long>("server_sessions.sessions.created", "{session}", "Sessions stored for the first time.");
        Loaded = meter.CreateCounter<long>("server_sessions.sessions.loaded", "{session}", "Requests that found their session in the store.");
        Saved = meter.CreateCounter<long>("server_sessions.sessions.saved", "{session}", "Sessions written to the store (the first write of a new one included).");
        Touched = meter.CreateCounter<long>("server_sessions.sessions.touched", "{session}", "Sessions whose expiry was extended without a write.");
        Destroyed = meter.CreateCounter<long>("server_sessions.sessions.destroyed", "{session}", "Stored sessions removed by a request.");
        Regenerated = meter.CreateCounter<long>("server_sessions.sessions.regenerated", "{session}", "Sessions given a new ID.");
        StoreDuration = meter.CreateHistogram(
            "server_sessions.store.operation.duration", "s", "How long each call to the session store took.", null, new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        TurnWait = meter.CreateHistogram(
            "server_sessions.turn.wait.duration", "s", "How long a request waited for its session's turn (the lock, and the store's lease).", null, new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        Refused = meter.CreateCounter<long>("server_sessions.requests.refused", "{request}", "Requests answered 503 or 429 (or sent without their new session) by ServerSessions, by cause.");
        CookiesRejected = meter.CreateCounter<long>("server_sessions.cookies.rejected", "{cookie}", "Session cookies that led to no stored session, by reason.");
        meter.CreateObservableUpDownCounter("server_sessions.memory.sessions", ObserveMemory, "{session}", "Sessions the memory store holds.");
        Evictions = meter.CreateCounter<long>("server_sessions.memory.evictions", "{session}", "Sessions the memory store evicted because it was full.");
        WriteBatchSize = meter.CreateHistogram(
            "server_sessions.sqlite.write_batch.size", "{operation}", "Writes the SQLite store committed in one transaction.", null, new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchBuckets });
        CommitDuration = meter.CreateHistogram(
            "server_sessions.sqlite.commit.duration", "s", "How long the SQLite store's write transactions took.", null, new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        SignIns = meter.CreateCounter<long>("server_sessions.sign_ins", "{sign_in}", "Sign-ins, by outcome.");
        SignOuts = meter.CreateCounter<long>("server_sessions.sign_outs", "{sign_out}", "Sign-outs, by reason.");
        Revocations = meter.CreateCounter<long>("server_sessions.revocations", "{session}", "Sessions ended through UserSessions, by scope.");
    }

    public Counter<long> Created { get; }

    public Counter<long> Loaded { get; }

    public Counter<long> Saved { get; }

    public Counter<long> Touched { get; }

    public Counter<long> Destroyed { get; }

    public Counter<long> Regenerated { get; }

    public Histogram<double> StoreDuration { get; }

    public Histogram<double> TurnWait { get; }

    public Counter<long> Refused { get; }

    public Counter<long> CookiesRejected { get; }

    public Counter<long> Evictions { get; }

    public Histogram<int> WriteBatchSize { get; }

    public Histogram<double> CommitDuration { get; }

    public Counter<long> SignIns { get; }

    public Counter<long> SignOuts { get; }

    public Counter<long> Revocations { get; }

    /// <summary>The <c>server_sessions.store</c> tag of a store registered under <paramref name="name"/>: its own word for ours, <c>other</c> for a user's.</summary>
    public static KeyValuePair<string, object?> StoreTagOf(string name) => new(StoreTag, name.ToUpperInvariant() switch
    {
        "MEMORY" => "memory",
        "SQLITE" => "sqlite",
        "REDIS" => "redis",
        _ => "other",
    });

    /// <summary>Reports <paramref name="store"/>'s size as <c>server_sessions.memory.sessions</c> (the chosen store, when it is the memory store).</summary>
    public void Observe(MemorySessionStore store) => _memory = store;

    /// <summary>Counts a request refused with <paramref name="status"/> because of <paramref name="refusal"/>.</summary>
    public void Refuse(Exception refusal, int status)
    {
        if (Refused.Enabled)
        {
            Refused.Add(1, new KeyValuePair<string, object?>(RefusalCauseTag, CauseOf(refusal)), new KeyValuePair<string, object?>(StatusCodeTag, status));
        }
    }

    /// <summary>The <c>server_sessions.refusal.cause</c> of a 503 or 429.</summary>
    public static string CauseOf(Exception refusal) => refusal switch
    {
        NewSessionLimitedException => "new_session_limit",
        SessionBusyException busy => busy.Cause switch
        {
            SessionBusyCause.TooManyWaiters => "waiter_limit",
            SessionBusyCause.HeldTooLong => "hold_limit",
            SessionBusyCause.LeaseWait => "lease_wait",
            SessionBusyCause.LeaseLapsed => "lease_lapsed",
            _ => "lock_wait",
        },
        SessionStoreException { InnerException: TimeoutException } => "store_timeout",
        _ => "store_failure",
    };

    private IEnumerable<Measurement<long>> ObserveMemory() => _memory is { } memory ? [new Measurement<long>(memory.Count)] : [];
}
