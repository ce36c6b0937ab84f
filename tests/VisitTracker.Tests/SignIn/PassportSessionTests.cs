using System.Net;
using ServerSessions.Testing;
using VisitTracker.Tests.EndToEnd;
using VisitTracker.Users;

namespace VisitTracker.Tests.SignIn;

/// <summary>A session signed in by a Passport app on the same Redis has no <c>userStamp</c>: VisitTracker keeps it while the user exists.</summary>
[Trait("Clock", "Real")]
public sealed class PassportSessionTests
{
    [Fact]
    public async Task APassportSessionWithoutAStamp_IsSignedIn_UntilTheUserIsDeleted()
    {
        const string Secret = "a secret both apps share, at least 32 bytes";
        await using var redis = await RedisServer.StartAsync();
        using var data = new TempFolder();
        var users = VisitTrackerProcess.UsersPath(data);
        await using var app = await VisitTrackerProcess.StartOnRedisAsync(redis, Secret, new Dictionary<string, string> { ["Users__Path"] = users });
        using (var registration = new SignInClient(app))
        {
            (await registration.RegisterAsync("alice", "correct horse battery")).AssertStatus(HttpStatusCode.SeeOther);
        }

        // As express-session with Passport writes it: the user, no stamp.
        const string Id = "passportSessionWrittenByNestJS00";
        await redis.CommandAsync("SET", $"sess:{Id}",
            """{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"},"passport":{"user":"alice"},"visits":4}""", "EX", "3600");
        using var client = new SignInClient(app) { SessionCookie = ExpressCookie.Sign(Id, Secret) };

        var home = await client.HomeAsync();
        Assert.Equal("alice", home.Greeted);
        Assert.Equal(5, home.Count);

        using (var database = new UserDatabase(users, TimeProvider.System))
        {
            Assert.True(await database.DeleteAsync("alice"));
        }

        Assert.Null((await client.HomeAsync()).Greeted);
        Assert.Equal("", await redis.CommandAsync("GET", $"sess:{Id}")); // signed out: destroyed
    }
}
