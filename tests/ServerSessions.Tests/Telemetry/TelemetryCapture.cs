using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Telemetry;

/// <summary>
/// What one test host publishes: every measurement of its own <c>ServerSessions</c> meter (a <see cref="MeterListener"/>
/// that takes only the meter its <see cref="IMeterFactory"/> made, so tests running side by side do not mix), and every
/// span of the <c>ServerSessions</c> source and ASP.NET Core's request spans in this test's own trace (requests sent with
/// <see cref="Trace"/> carry it in their <c>traceparent</c>).
/// </summary>
internal sealed class TelemetryCapture : IDisposable
{
    private readonly MeterListener _meters = new();
    private readonly ActivityListener _spans;
    private readonly ConcurrentQueue<Measured> _measurements = new();
    private readonly ConcurrentQueue<Activity> _stopped = new();

    private TelemetryCapture(IMeterFactory factory)
    {
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ServerSessionsTelemetry.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _meters.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _meters.Start();

        _spans = new ActivityListener
        {
            ShouldListenTo = source => source.Name is ServerSessionsTelemetry.ActivitySourceName or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                options.TraceId == TraceId ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == TraceId)
                {
                    _stopped.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_spans);
    }

    /// <summary>This test's trace: only spans in it are kept.</summary>
    public ActivityTraceId TraceId { get; } = ActivityTraceId.CreateRandom();

    public IReadOnlyList<Measured> Measurements => [.. _measurements];

    /// <summary>The spans ended so far in this test's trace, ServerSessions' and ASP.NET Core's request spans.</summary>
    public IReadOnlyList<Activity> Spans => [.. _stopped];

    /// <summary>The spans of the <c>ServerSessions</c> source ended so far.</summary>
    public IReadOnlyList<Activity> SessionSpans => [.. _stopped.Where(span => span.Source.Name == ServerSessionsTelemetry.ActivitySourceName)];

    public static TelemetryCapture Start(SessionTestHost host) => new(host.Services.GetRequiredService<IMeterFactory>());

    /// <summary>A <c>configure</c> callback for <see cref="SessionTestHost.SendAsync"/>: the request joins this test's trace.</summary>
    public void Trace(HttpRequestMessage request) =>
        request.Headers.Add("traceparent", $"00-{TraceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");

    /// <summary>Asks the observable instruments (the memory store's size) for their values now.</summary>
    public void Observe() => _meters.RecordObservableInstruments();

    /// <summary>The measurements of <paramref name="instrument"/> that carry every one of <paramref name="tags"/>.</summary>
    public IReadOnlyList<Measured> Of(string instrument, params (string Key, object Value)[] tags) =>
        [.. _measurements.Where(m => m.Instrument == instrument && tags.All(tag => m.Has(tag.Key, tag.Value)))];

    /// <summary>The sum of the values of <paramref name="instrument"/> that carry every one of <paramref name="tags"/>.</summary>
    public double Sum(string instrument, params (string Key, object Value)[] tags) => Of(instrument, tags).Sum(m => m.Value);

    public void Dispose()
    {
        _meters.Dispose();
        _spans.Dispose();
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _measurements.Enqueue(new Measured(instrument.Name, instrument.Unit, value, tags.ToArray()));

    public sealed record Measured(string Instrument, string? Unit, double Value, KeyValuePair<string, object?>[] Tags)
    {
        public bool Has(string key, object value) => Tags.Any(tag => tag.Key == key && Equals(tag.Value, value));

        public object? Tag(string key) => Tags.FirstOrDefault(tag => tag.Key == key).Value;

        public override string ToString() => $"{Instrument} {Value} {{{string.Join(", ", Tags.Select(t => $"{t.Key}={t.Value}"))}}}";
    }
}
