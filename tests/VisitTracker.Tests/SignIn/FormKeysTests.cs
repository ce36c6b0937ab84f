using System.Net;
using ServerSessions.Testing;
using VisitTracker.Tests.EndToEnd;

namespace VisitTracker.Tests.SignIn;

/// <summary>The Data Protection keys behind the antiforgery tokens: kept across restarts, and shared on Redis.</summary>
public sealed class FormKeysTests
{
    [Fact]
    public async Task AFormFromBeforeARestart_IsAccepted_ItsKeysPersistInTheDataFolder()
    {
        using var data = new TempFolder();
        SignInClient client;
        await using (var before = await VisitTrackerProcess.StartAsync(data))
        {
            client = new SignInClient(before);
            (await client.GetAsync("/register")).AssertStatus(HttpStatusCode.OK);
            await before.StopAsync();
        }

        await using var after = await VisitTrackerProcess.StartAsync(data);
        var registered = await client.PostAsync("/register", [new("username", "alice"), new("password", "correct horse battery")], at: after);

        registered.AssertRedirect(HttpStatusCode.SeeOther, "/account");
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(data.Path, "keys"), "key-*.xml"));
        client.Dispose();
    }

    [Fact]
    [Trait("Clock", "Real")]
    public async Task OnRedis_OneNodesForm_IsAcceptedByTheOther()
    {
        const string Secret = "a secret both instances share, 32+ bytes";
        await using var redis = await RedisServer.StartAsync();

        // Each node its own home folder, as on two machines: Data Protection's fallback (~/.aspnet) shares nothing.
        using var firstHome = new TempFolder();
        using var secondHome = new TempFolder();
        await using var first = await VisitTrackerProcess.StartOnRedisAsync(redis, Secret, new Dictionary<string, string> { ["HOME"] = firstHome.Path });
        await using var second = await VisitTrackerProcess.StartOnRedisAsync(redis, Secret, new Dictionary<string, string> { ["HOME"] = secondHome.Path });
        using var client = new SignInClient(first);

        (await client.GetAsync("/register")).AssertStatus(HttpStatusCode.OK);
        var registered = await client.PostAsync("/register", [new("username", "alice"), new("password", "correct horse battery")], at: second);

        registered.AssertRedirect(HttpStatusCode.SeeOther, "/account");
        Assert.Equal(":1", await redis.CommandAsync("EXISTS", "VisitTracker:DataProtection-Keys"));
    }
}
