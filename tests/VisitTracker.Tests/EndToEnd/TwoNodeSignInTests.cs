using System.Net;
using ServerSessions.Testing;

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
        using var first = new FormBrowser(nodes.A);
        using var second = new FormBrowser(nodes.A);
        // Each signs in on node A with the form node B served: the nodes share the Data Protection keys (in Redis).
        var registerForm = (await first.GetAsync("/register", nodes.B)).Form("/register");
        var registered = await first.SubmitAsync(registerForm, new Dictionary<string, string> { ["username"] = User, ["password"] = Password }, nodes.A);
        Assert.True(registered.Status == HttpStatusCode.SeeOther && registered.Location == "/account",
            $"Node B's /register form, posted to node A: {registered}\n{nodes.A.Output}");
        await second.SignInAsync(nodes.A, User, Password, formFrom: nodes.B);
        Assert.Equal(User, VisitTrackerSignIn.GreetingIn((await second.GetAsync("/", nodes.A)).Body));

        var account = await first.GetAsync("/account", nodes.B);
        Assert.True(account.Status == HttpStatusCode.OK, $"{account}\n{nodes.B.Output}");
        var sessions = VisitTrackerSignIn.SessionsIn(account.Body);
        Assert.True(sessions.Count == 2 && sessions.Count(s => s.IsCurrent) == 1,
            $"Node B's /account lists both sessions made on node A, one of them current:\n{account.Body}");
        var other = sessions.Single(s => !s.IsCurrent);
        Assert.True(other.Revoke is not null, $"The other session's row has no revoke form:\n{other.Html}");
        var revoked = await first.SubmitAsync(other.Revoke, at: nodes.B);

        Assert.True(revoked.Status == HttpStatusCode.SeeOther && revoked.Location == "/account", $"{revoked}\n{nodes.B.Output}");
        var next = await second.GetAsync("/account", nodes.A);
        Assert.True(next.Status == HttpStatusCode.Redirect && next.Location == "/login?returnUrl=%2Faccount",
            $"The revoked session's next request on node A: {next}\n{nodes.A.Output}");
        Assert.Null(VisitTrackerSignIn.GreetingIn((await second.GetAsync("/", nodes.A)).Body));
        var remaining = VisitTrackerSignIn.SessionsIn((await first.GetAsync("/account", nodes.A)).Body);
        Assert.True(remaining is [{ IsCurrent: true }], $"{remaining.Count} sessions listed on node A after the revoke, not the current one alone.");
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
