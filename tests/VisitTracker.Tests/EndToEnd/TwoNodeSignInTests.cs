using System.Net;
using ServerSessions.Testing;
using VisitTracker.Tests.SignIn;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// Two VisitTracker nodes on one Redis with one secret, sharing one users database (as nodes on one machine do): a
/// user's sessions are one list on both, a revoke on one node ends the session on the other at its next request, and
/// each node accepts the other's forms (the Data Protection keys live in Redis).
/// </summary>
[Trait("Clock", "Real")]
public sealed class TwoNodeSignInTests
{
    private const string Secret = "a-test-secret-of-at-least-32-bytes!!";
    private const string User = "grace";
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task SessionRevokedOnNodeB_IsAnonymousAtItsNextRequestOnNodeA()
    {
        await using var nodes = await Nodes.StartAsync();
        using var first = new SignInClient(nodes.A);
        using var second = new SignInClient(nodes.A);
        // Each signs in on node A with the form node B served: the nodes share the Data Protection keys (in Redis).
        (await first.GetAsync("/register", nodes.B)).AssertStatus(HttpStatusCode.OK);
        (await first.PostAsync("/register", [new("username", User), new("password", Password)], at: nodes.A))
            .AssertRedirect(HttpStatusCode.SeeOther, "/account");
        (await second.GetAsync("/login", nodes.B)).AssertStatus(HttpStatusCode.OK);
        (await second.PostAsync("/login", [new("username", User), new("password", Password), new("returnUrl", "")], at: nodes.A))
            .AssertRedirect(HttpStatusCode.SeeOther, "/");
        Assert.Equal(User, (await second.HomeAsync()).Greeted);

        var account = await first.GetAsync("/account", nodes.B);
        account.AssertStatus(HttpStatusCode.OK);
        Assert.True(account.Sessions.Count == 2 && account.Sessions.Count(s => s.Current) == 1,
            $"Node B's /account lists both sessions made on node A, one of them current:\n{account.Html}");
        var other = account.Sessions.Single(s => !s.Current);
        Assert.NotNull(other.Handle);
        (await first.PostAsync("/account/sessions/revoke", [new("handle", other.Handle)], at: nodes.B))
            .AssertRedirect(HttpStatusCode.SeeOther, "/account");

        (await second.GetAsync("/account", nodes.A)).AssertRedirect(HttpStatusCode.Redirect, "/login?returnUrl=%2Faccount");
        Assert.Null((await second.HomeAsync()).Greeted);
        var remaining = (await first.GetAsync("/account", nodes.A)).Sessions;
        Assert.True(remaining is [{ Current: true }], $"{remaining.Count} sessions listed on node A after the revoke, not the current one alone.");
    }

    /// <summary>A Redis server and two VisitTracker nodes on it, with one secret and one users database.</summary>
    private sealed class Nodes : IAsyncDisposable
    {
        private readonly TempFolder _users = new();
        private RedisServer? _redis;

        public VisitTrackerProcess A { get; private set; } = null!;

        public VisitTrackerProcess B { get; private set; } = null!;

        public static async Task<Nodes> StartAsync()
        {
            var nodes = new Nodes();
            try
            {
                nodes._redis = await RedisServer.StartAsync();
                var environment = new Dictionary<string, string> { ["Users__Path"] = Path.Combine(nodes._users.Path, "users.db") };
                nodes.A = await VisitTrackerProcess.StartOnRedisAsync(nodes._redis, Secret, environment);
                nodes.B = await VisitTrackerProcess.StartOnRedisAsync(nodes._redis, Secret, environment);
                return nodes;
            }
            catch
            {
                await nodes.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (A is not null)
            {
                await A.DisposeAsync();
            }

            if (B is not null)
            {
                await B.DisposeAsync();
            }

            if (_redis is not null)
            {
                await _redis.DisposeAsync();
            }

            _users.Dispose();
        }
    }
}
