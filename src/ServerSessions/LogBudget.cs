namespace ServerSessions;

/// <summary>
/// How many lines of one kind may be logged each second, so a flood of bad requests cannot flood the log: the first
/// <see cref="LinesPerSecond"/> of each second are logged, the rest only counted, and the next line logged says how many
/// were left out.
/// </summary>
/// <remarks>
/// A fixed one-second window on the app's <see cref="TimeProvider"/> rather than a framework rate limiter (which reads the
/// machine's clock): it needs no timer, and a test moves it with a fake clock.
/// </remarks>
internal sealed class LogBudget(TimeProvider time)
{
    public const int LinesPerSecond = 5;

    private readonly Lock _lock = new();
    private long _windowStart = long.MinValue;
    private int _logged;
    private long _skipped;

    /// <summary>
    /// Whether this line may be logged; when it may, <paramref name="skipped"/> is how many were left out since the last
    /// line logged.
    /// </summary>
    public bool TryTake(out long skipped)
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            if (_windowStart == long.MinValue || time.GetElapsedTime(_windowStart, now) >= TimeSpan.FromSeconds(1))
            {
                _windowStart = now;
                _logged = 0;
            }

            if (_logged < LinesPerSecond)
            {
                _logged++;
                skipped = _skipped;
                _skipped = 0;
                return true;
            }

            _skipped++;
            skipped = 0;
            return false;
        }
    }
}
