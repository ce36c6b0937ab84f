namespace ServerSessions.Testing;

/// <summary>
/// Awaits with a limit: a test waiting for a request held at a gate, a lease or a background task fails after
/// <see cref="Limit"/> with a message naming what it waited for, instead of hanging until the run's hang timeout kills
/// the whole assembly.
/// </summary>
public static class Bounded
{
    /// <summary>Long enough for anything a test waits for on a busy 2-core machine; short beside the 5-minute hang timeout.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>Awaits <paramref name="task"/> for at most <see cref="Limit"/>; <paramref name="what"/> names it in the failure.</summary>
    public static async Task<T> Within<T>(this Task<T> task, string what)
    {
        await ((Task)task).Within(what);
        return await task;
    }

    /// <summary>Awaits <paramref name="task"/> for at most <see cref="Limit"/>; <paramref name="what"/> names it in the failure.</summary>
    public static async Task Within(this Task task, string what)
    {
        try
        {
            await task.WaitAsync(Limit);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Waited {Limit.TotalSeconds:0} s for {what}; it never came.");
        }
    }

    /// <summary>
    /// Polls <paramref name="condition"/> (a state other tasks reach, not the passing of time) until it holds, for at most
    /// <see cref="Limit"/>; <paramref name="what"/> names the state in the failure.
    /// </summary>
    public static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);

    /// <summary>
    /// Polls <paramref name="condition"/> (a state other tasks or processes reach, not the passing of time) until it holds,
    /// for at most <see cref="Limit"/>; <paramref name="what"/> names the state in the failure.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed > Limit)
            {
                throw new TimeoutException($"Waited {Limit.TotalSeconds:0} s for {what}; it never held.");
            }

            await Task.Delay(10);
        }
    }
}
