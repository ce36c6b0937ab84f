using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ServerSessions.Tests.Authentication;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Telemetry;

/// <summary>No measurement's tag and no span's name, attribute or status carries a session ID, a cookie or a user name.</summary>
public sealed class NoIdentifiersInTelemetryTests
{
    private const string User = "alice-the-user@example.org";

    [Fact]
    public async Task SignedInVisits_RejectedCookies_AndAStoreFailure_LeaveNoIdCookieOrUserInAnyTagOrSpan()
    {
        await using var host = await SignInApp.StartAsync(map: app =>
            app.MapGet("/handles", async (HttpContext context, UserSessions sessions) =>
                string.Join(' ', (await sessions.ListAsync(context)).Select(s => s.Handle))));
        using var telemetry = TelemetryCapture.Start(host);
        var secrets = new List<string> { User };

        async Task<HttpResponseMessage> SendAsync(string path, string? cookie, HttpMethod? method = null)
        {
            var response = await host.SendAsync(path, cookie, method, telemetry.Trace);
            if (SetCookies.Find(response) is { } set && !set.StartsWith("connect.sid=;", StringComparison.Ordinal))
            {
                var pair = SetCookies.Pair(response);
                secrets.AddRange([pair, pair[(pair.IndexOf('=') + 1)..], Uri.UnescapeDataString(pair[(pair.IndexOf('=') + 1)..]), SetCookies.IdOf(pair)]);
            }

            return response;
        }

        using (var first = await SendAsync("/count", null))
        {
            var cookie = SetCookies.Pair(first);
            using var signIn = await SendAsync($"/signin?name={Uri.EscapeDataString(User)}", cookie, HttpMethod.Post);
            cookie = SetCookies.Pair(signIn);
            (await SendAsync("/count", cookie)).Dispose();
            using (var handles = await SendAsync("/handles", cookie))
            {
                secrets.Add(await handles.Content.ReadAsStringAsync());
            }

            var forged = cookie[..^4] + "AAAA";
            secrets.Add(forged);
            (await SendAsync("/count", forged)).Dispose();
            host.Store.Failures["get"] = new InvalidOperationException($"the store failed on {SetCookies.IdOf(cookie)}");
            using (var failed = await SendAsync("/count", cookie))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
            }

            host.Store.Failures.Clear();
            (await SendAsync("/signout", cookie, HttpMethod.Post)).Dispose();
        }

        // Enough happened for the check to mean something: sessions, a sign-in, a rejected cookie, a failure, their spans.
        Assert.Contains(telemetry.Measurements, m => m.Instrument == "server_sessions.sign_ins");
        Assert.Contains(telemetry.Measurements, m => m.Instrument == "server_sessions.cookies.rejected");
        Assert.Contains(telemetry.Measurements, m => m.Instrument == "server_sessions.requests.refused");
        Assert.Contains(telemetry.SessionSpans, span => span.Status == System.Diagnostics.ActivityStatusCode.Error);
        Assert.True(secrets.Count > 10, "The test collected too few IDs and cookies to check.");

        var published = telemetry.Measurements.SelectMany(m => m.Tags.Select(tag => $"{m.Instrument} {tag.Key}={tag.Value}"))
            .Concat(telemetry.SessionSpans.SelectMany(span =>
                new[] { span.DisplayName, span.OperationName, span.StatusDescription ?? "" }
                    .Concat(span.TagObjects.Select(tag => $"{tag.Key}={tag.Value}"))
                    .Concat(span.Baggage.Select(item => $"{item.Key}={item.Value}"))
                    .Concat(span.Events.Select(e => e.Name))))
            .ToList();
        foreach (var secret in secrets.Where(s => s.Length >= 8).Distinct())
        {
            Assert.DoesNotContain(published, text => text.Contains(secret, StringComparison.Ordinal));
        }
    }
}
