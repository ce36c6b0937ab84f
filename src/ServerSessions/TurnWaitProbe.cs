using System.Diagnostics;

namespace ServerSessions;

/// <summary>
/// A request's wait for its session's turn (the in-process lock, and the store's lease) being measured, as
/// <c>server_sessions.turn.wait.duration</c> and the span <c>session turn wait</c>; <see langword="default"/>, costing
/// nothing, when neither is listened to.
/// </summary>
internal readonly struct TurnWaitProbe
{
    public const string Acquired = "acquired";
    public const string TimedOut = "timeout";
    public const string Refused = "refused";
    public const string Failure = "failure";
    public const string Canceled = "canceled";

    private readonly SessionMetrics? _metrics;
    private readonly TimeProvider? _time;
    private readonly long _started;
    private readonly Activity? _activity;

    private TurnWaitProbe(SessionMetrics? metrics, TimeProvider time, long started, Activity? activity)
    {
        _metrics = metrics;
        _time = time;
        _started = started;
        _activity = activity;
    }

    public static TurnWaitProbe Start(SessionMetrics metrics, TimeProvider time)
    {
        var timed = metrics.TurnWait.Enabled;
        var activity = SessionMetrics.Source.HasListeners() ? SessionMetrics.Source.StartActivity("session turn wait") : null;
        return timed || activity is not null ? new(timed ? metrics : null, time, timed ? time.GetTimestamp() : 0, activity) : default;
    }

    public void End(string outcome)
    {
        _metrics?.TurnWait.Record(_time!.GetElapsedTime(_started).TotalSeconds, new KeyValuePair<string, object?>(SessionMetrics.TurnOutcomeTag, outcome));
        if (_activity is { } activity)
        {
            activity.SetTag(SessionMetrics.TurnOutcomeTag, outcome);
            if (outcome != Acquired)
            {
                activity.SetStatus(ActivityStatusCode.Error, outcome);
            }

            activity.Dispose();
        }
    }

    /// <summary>The outcome of a wait that threw <paramref name="ex"/>.</summary>
    public static string OutcomeOf(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        SessionBusyException { Cause: SessionBusyCause.TooManyWaiters or SessionBusyCause.HeldTooLong } => Refused,
        SessionBusyException => TimedOut,
        OperationCanceledException when cancellationToken.IsCancellationRequested => Canceled,
        _ => Failure,
    };
}
