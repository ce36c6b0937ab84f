using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Parity;

/// <summary>express-session G3: secrets and signatures.</summary>
public sealed class SecretParityTests
{
    [Fact]
    public async Task NoSecret_UsesAGeneratedSecret_InsteadOfFailing()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Counter, o => o.Secret = null);

        using var first = await host.SendAsync("/");
        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("2", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task StringSecret_SignsAndVerifies()
    {
        await using var host = await SessionTestHost.StartAsync(MapUser, o => ExpressSecret(o, "awesome cat"));

        using var first = await host.SendAsync("/");
        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal("set", await first.Content.ReadAsStringAsync());
        Assert.Equal("get:bob", await second.Content.ReadAsStringAsync());
        Assert.Equal(Uri.EscapeDataString(new CookieSigner(["awesome cat"]).Sign(SetCookies.IdOf(SetCookies.Pair(first)))), Value(first));
    }

    [Fact]
    public async Task EmptySecretList_FailsAtStartup()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => SessionTestHost.StartAsync(MapUser, o =>
        {
            o.Secret = null;
            o.Secrets = [];
        }));
        Assert.Contains("Secrets", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecretList_SignsCookies()
    {
        await using var host = await SessionTestHost.StartAsync(MapUser, UseSecrets("keyboard cat", "nyan cat"));

        using var response = await host.SendAsync("/");

        Assert.Equal("set", await response.Content.ReadAsStringAsync());
        Assert.StartsWith("s%3A", Value(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecretList_SignsWithTheFirstOnly()
    {
        await using var signer = await SessionTestHost.StartAsync(MapUser, UseSecrets("keyboard cat", "nyan cat"));
        await using var reader = await SessionTestHost.StartAsync(MapUser, o => ExpressSecret(o, "nyan cat"));
        using var first = await signer.SendAsync("/");
        await ShareRecordAsync(signer, reader, first);

        using var second = await reader.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal("set", await second.Content.ReadAsStringAsync());
        Assert.Equal(0, reader.Store.Count("get"));
    }

    [Fact]
    public async Task SecretList_VerifiesWithEverySecret_AndResignsWithTheFirst()
    {
        await using var signer = await SessionTestHost.StartAsync(MapUser, o => ExpressSecret(o, "nyan cat"));
        await using var reader = await SessionTestHost.StartAsync(MapUser, UseSecrets("keyboard cat", "nyan cat"));
        using var first = await signer.SendAsync("/");
        await ShareRecordAsync(signer, reader, first);

        using var second = await reader.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal("get:bob", await second.Content.ReadAsStringAsync());
        var id = SetCookies.IdOf(SetCookies.Pair(first));
        Assert.Equal(Uri.EscapeDataString(new CookieSigner(["keyboard cat"]).Sign(id)), Value(second));
    }

    [Fact]
    public async Task UnsignedId_StartsNewSessionWithDifferentId()
    {
        await using var host = await SessionTestHost.StartAsync(MapUser, o => o.Name = "sessid");
        using var first = await host.SendAsync("/");
        var id = SetCookies.IdOf(SetCookies.Pair(first, "sessid"));

        using var second = await host.SendAsync("/", "sessid=" + id);

        Assert.Equal("set", await second.Content.ReadAsStringAsync());
        Assert.NotEqual(id, SetCookies.IdOf(SetCookies.Pair(second, "sessid")));
    }

    [Fact]
    public async Task TamperedCookie_IsNeverLookedUp_AndStartsNewSession()
    {
        await using var host = await SessionTestHost.StartAsync(MapUser, o => o.Name = "sessid");
        using var first = await host.SendAsync("/");
        var pair = SetCookies.Pair(first, "sessid");
        // express's own tamper: drop the three characters before the first '.', the end of the ID.
        var dot = pair.IndexOf('.', StringComparison.Ordinal);
        var tampered = pair[..(dot - 3)] + pair[dot..];

        using var second = await host.SendAsync("/", tampered);

        Assert.Equal("set", await second.Content.ReadAsStringAsync());
        Assert.NotNull(SetCookies.Find(second, "sessid"));
        Assert.Equal(0, host.Store.Count("get"));
    }

    private static Action<ServerSessionOptions> UseSecrets(params string[] secrets) => o =>
    {
        o.Secret = null;
        o.Secrets = secrets;
        o.AllowShortSecretForMigration = true; // express's own test secrets, all shorter than 32 bytes
    };

    private static void ExpressSecret(ServerSessionOptions o, string secret)
    {
        o.Secret = secret;
        o.AllowShortSecretForMigration = true; // express's own test secret, shorter than 32 bytes
    }

    private static void MapUser(WebApplication app) =>
        app.MapGet("/", (ServerSession session) =>
        {
            if (session.Get<string>("user") is { } user)
            {
                return "get:" + user;
            }

            session.Set("user", "bob");
            return "set";
        });

    private static string Value(HttpResponseMessage response, string name = "connect.sid")
    {
        var pair = SetCookies.Pair(response, name);
        return pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..];
    }

    // Two hosts sharing one store, as express's test shares one MemoryStore between two servers.
    private static async Task ShareRecordAsync(SessionTestHost from, SessionTestHost to, HttpResponseMessage response)
    {
        var id = SetCookies.IdOf(SetCookies.Pair(response));
        await to.Memory.SetAsync(id, (await from.Memory.GetAsync(id, default))!.Value, default);
    }
}
