using Microsoft.AspNetCore.Builder;
using ServerSessions.Tests.Infrastructure;
using static ServerSessions.Tests.Infrastructure.VisitCounter;

namespace ServerSessions.Tests.Telemetry;

/// <summary><c>server_sessions.cookies.rejected</c>: each session cookie that leads to no stored session, by why (the brute-force signal).</summary>
public sealed class CookieRejectionMetricsTests
{
    public static TheoryData<string, string> Cookies => new()
    {
        { "connect.sid=" + Uri.EscapeDataString("s:abcdefghijklmnopqrstuvwxyz012345.forgedsignature"), "bad_signature" },
        { "connect.sid=abcdefghijklmnopqrstuvwxyz012345", "malformed" },
        { "connect.sid=" + Uri.EscapeDataString(new CookieSigner([SessionTestHost.Secret]).Sign("abc")), "malformed" }, // signed, but no ID of ours
        { "connect.sid=" + Uri.EscapeDataString(new CookieSigner([SessionTestHost.Secret]).Sign("abcdefghijklmnopqrstuvwxyz012345")), "unknown_or_expired" },
    };

    [Theory]
    [MemberData(nameof(Cookies))]
    public async Task RejectedCookie_IsCountedByReason(string cookie, string reason)
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/count", Count));
        using var telemetry = TelemetryCapture.Start(host);

        Assert.Equal("1", await host.GetStringAsync("/count", cookie));

        var rejected = Assert.Single(telemetry.Of("server_sessions.cookies.rejected"));
        Assert.Equal(reason, rejected.Tag("server_sessions.cookie.rejection"));
        Assert.Equal(("{cookie}", 1.0), (rejected.Unit, rejected.Value));
    }

    [Fact]
    public async Task ValidCookie_IsNotCountedRejected()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/count", Count));
        var cookie = await FirstVisitAsync(host);
        using var telemetry = TelemetryCapture.Start(host);

        Assert.Equal("2", await host.GetStringAsync("/count", cookie));

        Assert.Empty(telemetry.Of("server_sessions.cookies.rejected"));
    }
}
