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
        // The port is picked free on 127.0.0.1 and bound by the app later; StartAsync starts it again on another port if
        // it was taken meanwhile (on either loopback address).
        await using var app = await VisitTrackerProcess.StartAsync(portFromEnvironment: true);
        var port = app.BaseAddress.Port;
        using var visitor = new Visitor(app);

        // The app binds http://localhost:PORT, which Kestrel takes as both loopback addresses (IPv6 where the machine has
        // it): one session, served on each of them (the visitor's address is 127.0.0.1).
        Assert.Contains($"Now listening on: http://localhost:{port}", app.Output, StringComparison.Ordinal);
        Assert.Equal(1, await visitor.VisitAsync());
        var cookie = Assert.IsType<string>(visitor.Cookie);
        if (HasIPv6Loopback())
        {
            using var client = new HttpClient(new SocketsHttpHandler { UseCookies = false, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://[::1]:{port}/"));
            request.Headers.Add("Cookie", cookie);
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(2, Visitor.CountIn(await response.Content.ReadAsStringAsync()));
        }
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
        const string Secret = "a configured secret of 32 bytes or more";
        await using var app = await VisitTrackerProcess.StartAsync(environment: new Dictionary<string, string> { ["Session__Secret"] = Secret });
        using var visitor = new Visitor(app);

        await visitor.VisitAsync();

        var (id, _) = ExpressCookie.Parse(visitor.Cookie!);
        Assert.Equal(ExpressCookie.Sign(id, Secret), visitor.Cookie);
    }

    [Fact]
    public async Task CookieIsSecure_ExactlyWhenTheRequestIsHttps_ThroughALoopbackProxy_ByDefault()
    {
        await using var app = await VisitTrackerProcess.StartAsync();

        var plain = await RawHttp.GetAsync(app.BaseAddress);
        var proxied = await RawHttp.GetAsync(app.BaseAddress, "X-Forwarded-Proto: https", "X-Forwarded-For: 203.0.113.7");

        Assert.EndsWith("; Path=/; HttpOnly; SameSite=Lax", Assert.Single(plain.HeaderValues("Set-Cookie")), StringComparison.Ordinal);
        Assert.EndsWith("; Path=/; HttpOnly; Secure; SameSite=Lax", Assert.Single(proxied.HeaderValues("Set-Cookie")), StringComparison.Ordinal);
    }

    public static TheoryData<string, string[], bool> TrustedProxySettings => new()
    {
        { "no list: loopback", [], true },
        { "another proxy only", ["ForwardedHeaders__KnownProxies__0=192.0.2.1"], false },
        { "another network only", ["ForwardedHeaders__KnownNetworks__0=10.0.0.0/8", "ForwardedHeaders__KnownNetworks__1=fd00::/8"], false },
        { "loopback named as a proxy", ["ForwardedHeaders__KnownProxies__0=192.0.2.1", "ForwardedHeaders__KnownProxies__1=127.0.0.1"], true },
        { "loopback named as a network", ["ForwardedHeaders__KnownProxies__0=192.0.2.1", "ForwardedHeaders__KnownNetworks__0=127.0.0.0/8"], true },
    };

    [Theory]
    [MemberData(nameof(TrustedProxySettings))]
    public async Task ForwardedProto_IsBelievedFromTrustedPeersOnly(string name, string[] settings, bool believed)
    {
        // Secure set explicitly, so that what decides is whether the loopback peer is trusted, not the default.
        var environment = settings.Select(s => s.Split('=', 2)).ToDictionary(s => s[0], s => s[1]);
        environment["Session__Cookie__Secure"] = "auto";
        await using var app = await VisitTrackerProcess.StartAsync(environment: environment);

        var response = await RawHttp.GetAsync(app.BaseAddress, "X-Forwarded-Proto: https", "X-Forwarded-For: 203.0.113.7, 198.51.100.1");

        Assert.True(response.Status == 200, $"{name}: {response.Status}");
        Assert.Equal(1, Visitor.CountIn(response.Body));
        var cookie = Assert.Single(response.HeaderValues("Set-Cookie"));
        Assert.True(cookie.Contains("; Secure", StringComparison.Ordinal) == believed, $"{name}: {cookie}");
    }

    [Theory]
    [InlineData("ForwardedHeaders__KnownProxies__0", "proxy.internal", "ForwardedHeaders:KnownProxies:0 'proxy.internal' is not an IP address")]
    [InlineData("ForwardedHeaders__KnownNetworks__0", "10.0.0.0/33", "ForwardedHeaders:KnownNetworks:0 '10.0.0.0/33' is not a network in CIDR notation")]
    [InlineData("ForwardedHeaders__KnownProxy__0", "10.0.0.1", "Unknown setting(s) ForwardedHeaders:KnownProxy")]
    public async Task InvalidTrustedProxySetting_StopsTheApp_NamingIt(string name, string value, string message)
    {
        var start = VisitTrackerProcess.StartAsync(environment: new Dictionary<string, string> { [name] = value });

        var error = await Assert.ThrowsAnyAsync<AppExitedException>(() => start);

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptySqlitePath_StopsTheApp_WithTheSettingsOwnMessage()
    {
        // VisitTracker resolves the path against the working directory first: an empty one must reach the setting's check.
        var start = VisitTrackerProcess.StartAsync(environment: new Dictionary<string, string> { ["Session__Sqlite__Path"] = "" });

        var error = await Assert.ThrowsAnyAsync<AppExitedException>(() => start);

        Assert.Contains("Session:Sqlite:Path must name the database file; it is empty.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RelativeSecretFile_ResolvesAgainstTheWorkingDirectory_NotTheAppFolder()
    {
        // The app runs from the test's output folder, started in its data folder (VisitTrackerProcess). VisitTracker
        // resolves every relative path in its settings against the working directory (the library's own rule for
        // Session:SecretFile is the app's folder; VisitTracker makes it absolute first).
        var relative = Path.Combine("secrets", "session-secret");
        var appFolder = Path.GetDirectoryName(typeof(Program).Assembly.Location)!;
        using var data = new TempFolder();
        await using var app = await VisitTrackerProcess.StartAsync(
            data, environment: new Dictionary<string, string> { ["Session__Store"] = "Memory", ["Session__SecretFile"] = relative });
        using var visitor = new Visitor(app);
        await visitor.VisitAsync();

        var secret = File.ReadAllText(Path.Combine(data.Path, relative));
        var (id, _) = ExpressCookie.Parse(visitor.Cookie!);
        Assert.Equal(ExpressCookie.Sign(id, secret), visitor.Cookie);
        Assert.False(File.Exists(Path.Combine(appFolder, relative)));
    }

    private static bool HasIPv6Loopback()
    {
        if (!Socket.OSSupportsIPv6)
        {
            return false;
        }

        try
        {
            using var listener = new TcpListener(IPAddress.IPv6Loopback, 0);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
