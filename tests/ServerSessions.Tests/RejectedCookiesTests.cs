using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerSessions.Testing;
using ServerSessions.Tests.Infrastructure;
using static ServerSessions.Tests.Infrastructure.VisitCounter;

namespace ServerSessions.Tests;

/// <summary>
/// Guessing IDs shows: every session cookie that brings no session is counted and logged at Information with the client
/// address and the reason (never the cookie's value or the raw ID), a few lines a second at most.
/// </summary>
public sealed class RejectedCookiesTests
{
    private const string Client = "192.0.2.10";

    private readonly LogLines _logs = new();

    private Task<SessionTestHost> StartAsync() => SessionTestHost.StartAsync(
        app =>
        {
            app.MapGet("/count", Count);
            app.MapGet("/peek", (ServerSession session) => session.Get<int>("visits").ToString(System.Globalization.CultureInfo.InvariantCulture));
        },
        services: _logs.AddTo,
        beforeSessions: ClientAddress.Use);

    private static long Rejected(SessionTestHost host) => host.Services.GetRequiredService<SessionRuntime>().RejectedCookies.Count;

    private static async Task PeekAsync(SessionTestHost host, string cookie)
    {
        using var response = await host.SendAsync("/peek", cookie, configure: ClientAddress.From(Client));
        Assert.Equal("0", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("bad signature")]
    [InlineData("unsigned")]
    [InlineData("malformed id")]
    public async Task ACookieThatFailsVerification_IsLoggedAtInformation_WithTheAddress_AndNotItsValue(string reason)
    {
        await using var host = await StartAsync();
        var pair = await FirstVisitAsync(host);
        var id = SetCookies.IdOf(pair);
        var value = reason switch
        {
            "bad signature" => WithAlteredSignature(pair[(pair.IndexOf('=') + 1)..]),
            "unsigned" => id,
            _ => host.Services.GetRequiredService<SessionRuntime>().Signer.Sign("too-short"),
        };

        await PeekAsync(host, "connect.sid=" + value);

        var line = Assert.Single(_logs.WithEvent(2003));
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Contains(Client, line.Message, StringComparison.Ordinal);
        Assert.Contains($"({reason})", line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(id, line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(value[..10], line.Message, StringComparison.Ordinal);
        Assert.Equal(1, Rejected(host));
    }

    // The signature's last three characters changed on the decoded value, then encoded again: cut on the encoded value, a
    // signature ending in "/x" or "+x" (one in 32) would leave a broken escape, and a value that isn't even decoded.
    private static string WithAlteredSignature(string encoded)
    {
        var value = Uri.UnescapeDataString(encoded);
        var altered = value[..^3] + (value.EndsWith("AAA", StringComparison.Ordinal) ? "BBB" : "AAA");
        return Uri.EscapeDataString(altered);
    }

    [Fact]
    public async Task ACookieOfAnUnknownSession_IsLoggedAtInformation_WithTheAddress_AndOnlyTheHashedId()
    {
        await using var host = await StartAsync();
        var pair = await FirstVisitAsync(host);
        var id = SetCookies.IdOf(pair);
        await host.Store.Inner.DestroyAsync(id, default);

        await PeekAsync(host, pair);

        var line = Assert.Single(_logs.WithEvent(2004));
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Contains(Client, line.Message, StringComparison.Ordinal);
        Assert.Contains(new SessionLogId(id).ToString(), line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(id, line.Message, StringComparison.Ordinal);
        Assert.Equal(1, Rejected(host));
    }

    [Fact]
    public async Task AThousandRejectedCookies_LogAFewLines_AndCountAThousand()
    {
        await using var host = await StartAsync();
        var pair = await FirstVisitAsync(host);
        var forged = pair[..^3] + "AAA";

        // The host's clock stands still: all thousand fall in one second of the log's budget.
        await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => PeekAsync(host, forged))).Within("a thousand requests with a forged cookie");

        Assert.Equal(LogBudget.LinesPerSecond, _logs.WithEvent(2003).Count);
        Assert.Equal(1000, Rejected(host));

        // The next second's first line says how many were left out.
        host.Time.Advance(TimeSpan.FromSeconds(1));
        await PeekAsync(host, forged);
        var summary = Assert.Single(_logs.WithEvent(2040));
        Assert.Equal(LogLevel.Information, summary.Level);
        Assert.Contains($"{1000 - LogBudget.LinesPerSecond} more rejected session cookies", summary.Message, StringComparison.Ordinal);
        Assert.Contains("1001 rejected", summary.Message, StringComparison.Ordinal);
        Assert.Equal(LogBudget.LinesPerSecond + 1, _logs.WithEvent(2003).Count);
        Assert.Equal(1001, Rejected(host));
    }

    [Fact]
    public async Task AValidCookie_IsNeitherLoggedNorCounted()
    {
        await using var host = await StartAsync();
        var pair = await FirstVisitAsync(host);

        using var response = await host.SendAsync("/peek", pair, configure: ClientAddress.From(Client));

        Assert.Equal("1", await response.Content.ReadAsStringAsync());
        Assert.Empty(_logs.WithEvent(2003));
        Assert.Empty(_logs.WithEvent(2004));
        Assert.Equal(0, Rejected(host));
    }
}
