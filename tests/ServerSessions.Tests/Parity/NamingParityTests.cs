using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Parity;

/// <summary>express-session G9: ID generation and the cookie's name.</summary>
public sealed class NamingParityTests
{
    [Fact]
    public async Task DefaultIdGenerator_Gives32Base64UrlCharacters_AndAWorkingCookie()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Counter);
        using var first = await host.SendAsync("/");
        var pair = SetCookies.Pair(first);

        using var second = await host.SendAsync("/", pair);

        Assert.Matches("^[A-Za-z0-9_-]{32}$", SetCookies.IdOf(pair));
        Assert.Equal("2", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CookieValue_IsPercentEncoded()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Counter);

        using var response = await host.SendAsync("/");

        var pair = SetCookies.Pair(response);
        var value = pair["connect.sid=".Length..];
        Assert.Equal(Uri.EscapeDataString(new CookieSigner([SessionTestHost.Secret]).Sign(SetCookies.IdOf(pair))), value);
        Assert.StartsWith("s%3A", value, StringComparison.Ordinal);
        Assert.DoesNotContain(value, c => c is ':' or '+' or '/' or '=');
    }

    [Fact]
    public void DefaultName_IsConnectSid() =>
        Assert.Equal("connect.sid", new ServerSessionOptions().Name);

    [Fact]
    public async Task KeySetting_IsNotAnAliasOfName_AndFailsAtStartup()
    {
        // express's deprecated "key" has no twin; a Session:Key setting is a misspelling we report at startup.
        var section = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Session:Key"] = "session_id" })
            .Build()
            .GetSection("Session");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => SessionTestHost.StartAsync(
            ExpressApps.Counter, services: services => services.AddSingleton(new SessionConfigurationSection(section))));
        Assert.Contains("Session:Key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DefaultCookieName_IsConnectSid_OnTheWire()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Counter);
        using var response = await host.SendAsync("/");
        Assert.NotNull(SetCookies.Find(response, "connect.sid"));
    }

    [Fact]
    public async Task Name_SetsTheCookieName()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Counter, o => o.Name = "session_id");
        using var first = await host.SendAsync("/");
        using var second = await host.SendAsync("/", SetCookies.Pair(first, "session_id"));

        Assert.Null(SetCookies.Find(first, "connect.sid"));
        Assert.Equal("2", await second.Content.ReadAsStringAsync());
    }
}
