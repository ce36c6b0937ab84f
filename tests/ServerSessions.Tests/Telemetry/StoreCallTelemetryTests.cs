using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using ServerSessions.Testing;
using ServerSessions.Tests.Infrastructure;
using static ServerSessions.Tests.Infrastructure.VisitCounter;

namespace ServerSessions.Tests.Telemetry;

/// <summary>
/// Every store call measured (<c>server_sessions.store.operation.duration</c> by store, operation and outcome) and traced
/// (a span under the request's span, an error when it failed), and a failed call's 503 counted by its cause.
/// </summary>
public sealed class StoreCallTelemetryTests
{
    private const string Duration = "server_sessions.store.operation.duration";
    private const string Refused = "server_sessions.requests.refused";
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task StoreCalls_AreMeasuredByOperation_AndTracedAsChildrenOfTheRequestSpan()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/count", Count), o => o.Store = "Memory");
        var cookie = await FirstVisitAsync(host);
        using var telemetry = TelemetryCapture.Start(host);

        using (var response = await host.SendAsync("/count", cookie, configure: telemetry.Trace))
        {
            Assert.Equal("2", await response.Content.ReadAsStringAsync());
        }

        var memory = ("server_sessions.store", (object)"memory");
        var success = ("server_sessions.store.outcome", (object)"success");
        Assert.Single(telemetry.Of(Duration, memory, ("server_sessions.store.operation", "load"), success));
        Assert.Single(telemetry.Of(Duration, memory, ("server_sessions.store.operation", "save"), success));
        Assert.All(telemetry.Of(Duration), m => Assert.Equal("s", m.Unit));
        Assert.All(telemetry.Of(Duration), m => Assert.True(m.Value >= 0));

        var request = Assert.Single(telemetry.Spans, span => span.Source.Name == "Microsoft.AspNetCore");
        var load = Assert.Single(telemetry.SessionSpans, span => span.DisplayName == "session load");
        var save = Assert.Single(telemetry.SessionSpans, span => span.DisplayName == "session save");
        Assert.Single(telemetry.SessionSpans, span => span.DisplayName == "session turn wait" && Equals(span.GetTagItem("server_sessions.turn.outcome"), "acquired"));
        foreach (var span in new[] { load, save })
        {
            Assert.Equal(request.SpanId, span.ParentSpanId);
            Assert.Equal("memory", span.GetTagItem("server_sessions.store"));
            Assert.Equal("success", span.GetTagItem("server_sessions.store.outcome"));
            Assert.Equal(ActivityStatusCode.Unset, span.Status);
        }

        Assert.Equal("save", save.GetTagItem("server_sessions.store.operation"));
    }

    [Fact]
    public async Task FailingStore_IsRefused503AsStoreFailure_ItsCallMeasuredAsFailure_AndItsSpanAnError()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/count", Count));
        var cookie = await FirstVisitAsync(host);
        using var telemetry = TelemetryCapture.Start(host);
        host.Store.Failures["get"] = new InvalidOperationException("the store is down");

        using (var response = await host.SendAsync("/count", cookie, configure: telemetry.Trace))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        var refusal = Assert.Single(telemetry.Of(Refused));
        Assert.Equal(("store_failure", 503), (refusal.Tag("server_sessions.refusal.cause"), refusal.Tag("http.response.status_code")));
        Assert.Single(telemetry.Of(
            Duration, ("server_sessions.store", "other"), ("server_sessions.store.operation", "load"), ("server_sessions.store.outcome", "failure")));
        var load = Assert.Single(telemetry.SessionSpans, span => span.DisplayName == "session load");
        Assert.Equal(ActivityStatusCode.Error, load.Status);
        Assert.Equal("failure", load.StatusDescription);
    }

    [Fact]
    public async Task HungStore_IsRefused503AsStoreTimeout_AndItsCallMeasuredAsTimeout()
    {
        TimerWatch? timers = null;
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/count", Count), o => o.StoreTimeout = StoreTimeout, TimerWatch.Install(watch => timers = watch));
        var cookie = await FirstVisitAsync(host);
        using var telemetry = TelemetryCapture.Start(host);
        host.Store.Gate = new TaskCompletionSource();

        var pending = host.SendAsync("/count", cookie);
        await host.Store.Entered.Task.Within("the request's call to the hung store");
        await Bounded.UntilAsync(() => timers!.Started(StoreTimeout) == 1, "the StoreTimeout timer on the hung call");
        host.Time.Advance(StoreTimeout);
        using (var response = await pending.Within("the 503 once StoreTimeout had passed"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        host.Store.Gate.SetResult();
        var refusal = Assert.Single(telemetry.Of(Refused));
        Assert.Equal(("store_timeout", 503), (refusal.Tag("server_sessions.refusal.cause"), refusal.Tag("http.response.status_code")));
        var call = Assert.Single(telemetry.Of(Duration, ("server_sessions.store.operation", "load"), ("server_sessions.store.outcome", "timeout")));
        Assert.Equal(StoreTimeout.TotalSeconds, call.Value); // measured on the app's clock, which the test moved by exactly that
    }
}
