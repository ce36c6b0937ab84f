using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>
/// The test host's fake clock, seen by the app through a wrapper that records the due time of every timer the app
/// starts on it. A test that moves the fake clock past a timeout waits until the app has started that timeout's timer
/// (a state the app reaches), then advances once, instead of stepping the clock against real-time delays.
/// </summary>
internal sealed class TimerWatch(TimeProvider clock) : TimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _dueTimes = new();

    /// <summary>
    /// A <c>services</c> callback of <see cref="SessionTestHost.StartAsync"/>: the app's <see cref="TimeProvider"/>
    /// becomes a watch on the host's fake clock; <paramref name="watch"/> receives it.
    /// </summary>
    public static Action<IServiceCollection> Install(Action<TimerWatch> watch) => services =>
    {
        var clock = services.LastOrDefault(d => d.ServiceType == typeof(TimeProvider))?.ImplementationInstance as TimeProvider
            ?? throw new InvalidOperationException("The test host registers no TimeProvider instance for the watch to wrap.");
        var installed = new TimerWatch(clock);
        services.AddSingleton<TimeProvider>(installed);
        watch(installed);
    };

    /// <summary>How many timers the app has started with this due time.</summary>
    public int Started(TimeSpan dueTime) => _dueTimes.Count(due => due == dueTime);

    public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

    public override long GetTimestamp() => clock.GetTimestamp();

    public override long TimestampFrequency => clock.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => clock.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = clock.CreateTimer(callback, state, dueTime, period);
        _dueTimes.Enqueue(dueTime); // recorded once the clock holds the timer, so advancing past it fires it
        return timer;
    }
}
