using System.Diagnostics;

namespace ServerSessions;

/// <summary>
/// One store call being measured: its start time when <c>server_sessions.store.operation.duration</c> is listened to, its
/// span when <see cref="SessionMetrics.Source"/> is; <see langword="default"/>, costing nothing, when neither is.
/// </summary>
internal readonly struct StoreCallProbe
{
    public const string Success = "success";
    public const string Failure = "failure";
    public const string Timeout = "timeout";
    public const string Canceled = "canceled";

    private readonly SessionMetrics? _metrics;
    private readonly StoreOperation? _operation;
    private readonly KeyValuePair<string, object?> _store;
    private readonly TimeProvider? _time;
    private readonly long _started;
    private readonly Activity? _activity;

    private StoreCallProbe(SessionMetrics? metrics, StoreOperation operation, KeyValuePair<string, object?> store, TimeProvider time, long started, Activity? activity)
    {
        _metrics = metrics;
        _operation = operation;
        _store = store;
        _time = time;
        _started = started;
        _activity = activity;
    }

    public static StoreCallProbe Start(SessionMetrics metrics, KeyValuePair<string, object?> store, StoreOperation operation, TimeProvider time)
    {
        var timed = metrics.StoreDuration.Enabled;
        var activity = SessionMetrics.Source.HasListeners()
            ? SessionMetrics.Source.StartActivity(operation.SpanName, "memory".Equals(store.Value) ? ActivityKind.Internal : ActivityKind.Client)
            : null;
        if (!timed && activity is null)
        {
            return default;
        }

        activity?.SetTag(store.Key, store.Value).SetTag(operation.Tag.Key, operation.Tag.Value);
        return new(timed ? metrics : null, operation, store, time, timed ? time.GetTimestamp() : 0, activity);
    }

    /// <summary>Records the call's duration and ends its span, with <paramref name="outcome"/> (a span that did not succeed is an error).</summary>
    public void End(string outcome)
    {
        _metrics?.StoreDuration.Record(
            _time!.GetElapsedTime(_started).TotalSeconds, _store, _operation!.Tag, new KeyValuePair<string, object?>(SessionMetrics.OutcomeTag, outcome));
        if (_activity is { } activity)
        {
            activity.SetTag(SessionMetrics.OutcomeTag, outcome);
            if (outcome != Success)
            {
                // The outcome, never the exception's message: a store's message may name the key, and so the session ID.
                activity.SetStatus(ActivityStatusCode.Error, outcome);
            }

            activity.Dispose();
        }
    }

    /// <summary>The outcome of a call that threw <paramref name="ex"/>.</summary>
    public static string OutcomeOf(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        TimeoutException => Timeout,
        OperationCanceledException when cancellationToken.IsCancellationRequested => Canceled,
        _ => Failure,
    };
}
