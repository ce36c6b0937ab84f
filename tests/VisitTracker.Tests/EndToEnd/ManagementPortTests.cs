using System.Net;
using System.Net.Sockets;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// The management port: Prometheus's <c>/metrics</c> there and only there, with the session instruments beside
/// ASP.NET Core's and no session ID; its settings checked at startup.
/// </summary>
public sealed class ManagementPortTests
{
    [Fact]
    public async Task Metrics_OnTheManagementPort_ShowAspNetCoresInstruments_AndNoSessionId()
    {
        await using var app = await VisitTrackerProcess.StartAsync(managementPort: true);
        var (scrape, cookie) = await VisitThenScrapeAsync(app);

        Assert.Contains("http_server_request_duration_seconds", scrape, StringComparison.Ordinal);
        AssertNoSessionId(scrape, cookie);
        Assert.Contains($"Metrics for Prometheus at {app.MetricsAddress}", app.Output, StringComparison.Ordinal);
    }

    // Needs the libraries' meter (is16-metrics): the instruments of docs/telemetry.md, by their Prometheus names.
    [Fact]
    public async Task Metrics_OnTheManagementPort_ShowTheSessionInstruments()
    {
        await using var app = await VisitTrackerProcess.StartAsync(managementPort: true);
        var (scrape, cookie) = await VisitThenScrapeAsync(app);

        Assert.Contains("server_sessions_sessions_created", scrape, StringComparison.Ordinal);
        Assert.Contains("server_sessions_store_operation_duration_seconds", scrape, StringComparison.Ordinal);
        AssertNoSessionId(scrape, cookie);
    }

    [Fact]
    public async Task AppPort_ServesNoMetrics_AndTheManagementPort_NothingButMetrics()
    {
        await using var app = await VisitTrackerProcess.StartAsync(managementPort: true);
        using var client = app.CreateClient();
        var management = new Uri(app.MetricsAddress!, "/");

        using (var metrics = await client.GetAsync(new Uri(app.BaseAddress, "/metrics")))
        {
            Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        }

        // Not even with the management port's Host header: the port a request arrived on decides, not what it claims.
        using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(app.BaseAddress, "/metrics")))
        {
            request.Headers.Host = $"127.0.0.1:{app.MetricsAddress!.Port}";
            using var claimed = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.NotFound, claimed.StatusCode);
        }

        foreach (var path in new[] { "/", "/healthz", "/readyz", "/css/styles.css", "/sign-in" })
        {
            using var response = await client.GetAsync(new Uri(management, path));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.False(response.Headers.Contains("Set-Cookie"), path);
        }
    }

    [Fact]
    public async Task ManagementPortTaken_StopsTheApp_SayingWhichSettingToChange()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var start = VisitTrackerProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["Management__Enabled"] = "true",
            ["Management__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

        var exited = await Assert.ThrowsAsync<AppExitedException>(() => start);
        Assert.Equal(1, exited.ExitCode);
        Assert.Contains($"http://127.0.0.1:{port}, the management port, is in use", exited.Message, StringComparison.Ordinal);
        Assert.Contains("Management:Enabled=false", exited.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Management__Port", "abc", "Management:Port must be a TCP port number (1-65535), not 'abc'")]
    [InlineData("Management__Port", "0", "Management:Port must be a TCP port number (1-65535), not '0'")]
    [InlineData("Management__Address", "localhost", "Management:Address must be an IP address")]
    [InlineData("Management__Enabled", "yes", "Management:Enabled must be true or false, not 'yes'")]
    [InlineData("Management__Prot", "9464", "Unknown setting(s) Management:Prot")]
    public async Task InvalidManagementSetting_StopsTheApp_NamingIt(string name, string value, string message)
    {
        var start = VisitTrackerProcess.StartAsync(environment: new Dictionary<string, string> { [name] = value });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => start);

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KestrelEndpointsWithoutTheManagementPort_StopTheApp_SayingHowToOpenIt()
    {
        // Kestrel:Endpoints replaces every other address: the management port would be announced, and never opened.
        var start = VisitTrackerProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["Management__Enabled"] = "true",
            ["Management__Port"] = "9464",
            ["Kestrel__Endpoints__Web__Url"] = "http://127.0.0.1:0",
        });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => start);

        Assert.Contains("Kestrel:Endpoints is set, so Kestrel listens only on the endpoints it names, not on the management port http://127.0.0.1:9464", error.Message, StringComparison.Ordinal);
    }

    private static async Task<(string Scrape, string Cookie)> VisitThenScrapeAsync(VisitTrackerProcess app)
    {
        using var visitor = new Visitor(app);
        for (var visit = 1; visit <= 3; visit++)
        {
            Assert.Equal(visit, await visitor.VisitAsync());
        }

        using var client = app.CreateClient();
        using var response = await client.GetAsync(app.MetricsAddress);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsStringAsync(), visitor.Cookie!);
    }

    private static void AssertNoSessionId(string scrape, string cookie)
    {
        // connect.sid=s%3A<id>.<signature>
        var value = Uri.UnescapeDataString(cookie["connect.sid=".Length..]);
        var id = value[2..value.LastIndexOf('.')];
        Assert.DoesNotContain(id, scrape, StringComparison.Ordinal);
        Assert.DoesNotContain(value[(value.LastIndexOf('.') + 1)..], scrape, StringComparison.Ordinal);
    }
}
