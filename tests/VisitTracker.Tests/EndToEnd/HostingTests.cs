using System.Net;
using System.Net.Sockets;

namespace VisitTracker.Tests.EndToEnd;

public sealed class HostingTests
{
    [Fact]
    public async Task Responses_HaveNoServerOrPoweredByHeader()
    {
        await using var app = await VisitTrackerProcess.StartAsync();
        using var visitor = new Visitor(app);

        foreach (var path in new[] { "/", "/css/styles.css", "/nope" })
        {
            using var response = await visitor.SendAsync(HttpMethod.Get, path);
            Assert.False(response.Headers.Contains("Server"), path);
            Assert.False(response.Headers.Contains("X-Powered-By"), path);
        }
    }

    [Fact]
    public async Task PortVariable_SetsThePort()
    {
        await using var app = await VisitTrackerProcess.StartAsync(portFromEnvironment: true);
        using var visitor = new Visitor(app);

        Assert.Equal(1, await visitor.VisitAsync());
        Assert.Contains($"http://localhost:{app.BaseAddress.Port}", app.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("65536")]
    public async Task InvalidPortVariable_StopsTheApp_NamingIt(string port)
    {
        var start = VisitTrackerProcess.StartAsync(portFromEnvironment: true, environment: new Dictionary<string, string> { ["PORT"] = port });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => start);

        Assert.Contains($"PORT must be a TCP port number (0-65535), not '{port}'.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UrlsArgument_OverridesPortVariable()
    {
        using var ignored = new TcpListener(IPAddress.Loopback, 0);
        ignored.Start();
        var ignoredPort = ((IPEndPoint)ignored.LocalEndpoint).Port;
        ignored.Stop();

        await using var app = await VisitTrackerProcess.StartAsync(
            environment: new Dictionary<string, string> { ["PORT"] = ignoredPort.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        using var visitor = new Visitor(app);

        Assert.Equal(1, await visitor.VisitAsync());
        Assert.DoesNotContain($":{ignoredPort}", app.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfiguredSecret_SignsTheCookie()
    {
        const string Secret = "a configured secret";
        await using var app = await VisitTrackerProcess.StartAsync(environment: new Dictionary<string, string> { ["Session__Secret"] = Secret });
        using var visitor = new Visitor(app);

        await visitor.VisitAsync();

        var (id, _) = ExpressCookie.Parse(visitor.Cookie!);
        Assert.Equal(ExpressCookie.Sign(id, Secret), visitor.Cookie);
    }

    [Fact]
    public async Task ForgedForwardedHeaders_AreHarmless()
    {
        await using var app = await VisitTrackerProcess.StartAsync();

        var response = await RawHttp.GetAsync(app.BaseAddress, "X-Forwarded-Proto: https", "X-Forwarded-For: 203.0.113.7, 198.51.100.1");

        Assert.Equal(200, response.Status);
        // cookie.secure is false, as in the seed: a claimed HTTPS changes nothing.
        var cookie = Assert.Single(response.HeaderValues("Set-Cookie"));
        Assert.DoesNotContain("Secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, Visitor.CountIn(response.Body));
    }

    [Fact]
    public async Task ForwardedProto_FromTheProxy_MakesTheRequestHttps()
    {
        await using var app = await VisitTrackerProcess.StartAsync(environment: new Dictionary<string, string> { ["Session__Cookie__Secure"] = "auto" });

        var plain = await RawHttp.GetAsync(app.BaseAddress);
        var proxied = await RawHttp.GetAsync(app.BaseAddress, "X-Forwarded-Proto: https", "X-Forwarded-For: 203.0.113.7");

        Assert.DoesNotContain("Secure", Assert.Single(plain.HeaderValues("Set-Cookie")), StringComparison.Ordinal);
        Assert.EndsWith("; Path=/; HttpOnly; Secure; SameSite=Lax", Assert.Single(proxied.HeaderValues("Set-Cookie")), StringComparison.Ordinal);
    }
}
