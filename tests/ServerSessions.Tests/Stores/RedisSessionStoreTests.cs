using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerSessions.Redis;
using ServerSessions.Testing;
using StackExchange.Redis;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// What the Redis store promises beyond the store contract (which <see cref="RedisSessionStoreConformanceTests"/> covers):
/// connect-redis's layout and TTLs on a real server, a cluster, and outages. Tests on the shared server use keys under a
/// prefix of their own; tests that stop or pause a server start their own.
/// </summary>
[Trait("Clock", "Real")]
public sealed class RedisSessionStoreTests : RedisTestsBase
{
    [Fact]
    public async Task StoredValue_IsConnectRedisJson_UnderPrefixAndId()
    {
        var store = Open();
        var id = NewId();

        await store.SetAsync(id, Record("""{"visits":3,"__created":1764201600000}""", TimeSpan.FromMinutes(5)), None);

        Assert.Equal(
            """{"cookie":{"originalMaxAge":null,"expires":null,"secure":false,"httpOnly":true,"path":"/","sameSite":"lax"},"visits":3,"__created":1764201600000}""",
            (string?)await Redis.StringGetAsync(Prefix + id));
    }

    [Fact]
    public async Task ValueWrittenAsConnectRedisWritesIt_Loads()
    {
        var store = Open(cookie => cookie.MaxAge = TimeSpan.FromDays(1));
        var id = NewId();
        var expires = DateTimeOffset.UtcNow.AddDays(1);

        // connect-redis: SET sess:<id> JSON.stringify(session) EX ceil((cookie.expires - now) / 1000)
        var value = $$"""{"cookie":{"originalMaxAge":86400000,"expires":"{{expires:yyyy-MM-ddTHH:mm:ss.fffZ}}","secure":false,"httpOnly":true,"path":"/","sameSite":"lax"},"visits":5}""";
        await Redis.StringSetAsync(Prefix + id, value, TimeSpan.FromSeconds(86400));

        var record = await store.GetAsync(id, None);

        Assert.NotNull(record);
        Assert.Equal("""{"visits":5}""", Text(record.Value.Payload));
        Assert.InRange(record.Value.Expires, expires.AddSeconds(-5), expires.AddSeconds(5));
    }

    // connect-redis with disableTTL, or any app that writes the key without an expiry: the store's PTTL reports it as it
    // does a missing key, so the store asks Redis again which it is rather than take it for either.
    [Fact]
    public async Task ValueWithoutExpiry_LoadsAsNeverExpiring_WithTheLeaseAndWithout()
    {
        var store = Open();
        var id = NewId();
        await Redis.StringSetAsync(Prefix + id, """{"cookie":{"originalMaxAge":null,"expires":null,"path":"/"},"visits":5}""");

        var record = await store.GetAsync(id, None);
        var lease = await store.GetAndLeaseAsync(id, "holder", TimeSpan.FromMinutes(1), None);

        Assert.Equal(DateTimeOffset.MaxValue, record?.Expires);
        Assert.Equal("""{"visits":5}""", Text(record!.Value.Payload));
        Assert.True(lease.Acquired);
        Assert.Equal(DateTimeOffset.MaxValue, lease.Record?.Expires);
        Assert.Equal("""{"visits":5}""", Text(lease.Record!.Value.Payload));
    }

    // The app's clock against Redis's: the same, 2 hours either way (a node with a bad clock), 400 days behind (a
    // TimeProvider nowhere near the wall clock). None changes how long Redis keeps the key.
    [Theory]
    [InlineData(0)]
    [InlineData(2 * 60)]
    [InlineData(-2 * 60)]
    [InlineData(-400 * 24 * 60)]
    public async Task Key_LivesForTheTimeUntilTheSessionsExpiry_ByTheStoresClock_HoweverFarThatIsFromRedisClock(int offsetMinutes)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(offsetMinutes));
        var store = Open(time: clock);
        var id = NewId();
        var expires = clock.GetUtcNow().AddSeconds(90).AddMilliseconds(7);

        await store.SetAsync(id, Record("{}", expires), None);

        AssertAbout(TimeSpan.FromMilliseconds(90_007), await PttlAsync(Prefix + id));
        var record = await store.GetAsync(id, None);
        Assert.NotNull(record);
        Assert.InRange(record.Value.Expires, expires.AddSeconds(-1), expires);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2 * 60)]
    [InlineData(-400 * 24 * 60)]
    public async Task Touch_GivesTheKeyTheTimeUntilTheNewExpiry_AndLeavesTheValue(int offsetMinutes)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(offsetMinutes));
        var store = Open(time: clock);
        var id = NewId();
        await store.SetAsync(id, Record("""{"visits":1}""", clock.GetUtcNow().AddMinutes(1)), None);
        var value = await Redis.StringGetAsync(Prefix + id);
        AssertAbout(TimeSpan.FromMinutes(1), await PttlAsync(Prefix + id));

        Assert.True(await store.TouchAsync(id, Encoding.UTF8.GetBytes("""{"visits":1}"""), clock.GetUtcNow().AddHours(1), None));

        AssertAbout(TimeSpan.FromHours(1), await PttlAsync(Prefix + id));
        Assert.Equal(value, await Redis.StringGetAsync(Prefix + id));
    }

    [Fact]
    public async Task Touch_ToAnExpiryAlreadyPast_DeletesTheKey()
    {
        var store = Open();
        var id = NewId();
        await store.SetAsync(id, Record("{}", TimeSpan.FromMinutes(1)), None);
        Assert.True(await Redis.KeyExistsAsync(Prefix + id));

        Assert.True(await store.TouchAsync(id, Encoding.UTF8.GetBytes("{}"), DateTimeOffset.UtcNow.AddSeconds(-1), None));

        Assert.False(await Redis.KeyExistsAsync(Prefix + id));
    }

    [Fact]
    public async Task KeyTouchedByConnectRedis_IsLoadedWithItsNewExpiry()
    {
        var store = Open();
        var id = NewId();
        await store.SetAsync(id, Record("""{"visits":1}""", TimeSpan.FromMinutes(1)), None);

        await Redis.KeyExpireAsync(Prefix + id, TimeSpan.FromHours(2)); // connect-redis's touch: EXPIRE key ttl

        var record = await store.GetAsync(id, None);
        Assert.InRange(record?.Expires ?? default, DateTimeOffset.UtcNow.AddHours(2).AddSeconds(-5), DateTimeOffset.UtcNow.AddHours(2).AddSeconds(5));
    }

    [Fact]
    public async Task KeyPrefix_IsConfigurable_AndDefaultsToConnectRedisOne()
    {
        var mine = Open(configure: options => options.KeyPrefix = Prefix + "app1:");
        var theirs = Open(configure: options => options.KeyPrefix = Prefix + "app2:");
        var id = NewId();

        await mine.SetAsync(id, Record("{}", TimeSpan.FromMinutes(1)), None);

        Assert.True(await Redis.KeyExistsAsync(Prefix + "app1:" + id));
        Assert.Null(await theirs.GetAsync(id, None));
        Assert.Equal("sess:", new RedisSessionStoreOptions().KeyPrefix);
    }

    [Fact]
    public async Task SessionSetWithAPassedExpiry_DeletesTheKey()
    {
        var store = Open();
        var id = NewId();
        await store.SetAsync(id, Record("{}", TimeSpan.FromMinutes(1)), None);
        Assert.True(await Redis.KeyExistsAsync(Prefix + id));

        await store.SetAsync(id, Record("{}", DateTimeOffset.UtcNow.AddSeconds(-1)), None);

        Assert.False(await Redis.KeyExistsAsync(Prefix + id));
    }

    [Fact]
    public async Task Destroy_DeletesTheKey()
    {
        var store = Open();
        var id = NewId();
        await store.SetAsync(id, Record("{}", TimeSpan.FromMinutes(1)), None);
        Assert.True(await Redis.KeyExistsAsync(Prefix + id));

        await store.DestroyAsync(id, None);

        Assert.False(await Redis.KeyExistsAsync(Prefix + id));
    }

    [Fact]
    public async Task SessionValueNamedCookie_IsRefused_AndNothingIsStored()
    {
        var store = Open();
        var id = NewId();

        await Assert.ThrowsAsync<SessionDataException>(() => store.SetAsync(id, Record("""{"cookie":1}""", TimeSpan.FromMinutes(1)), None).AsTask());

        Assert.False(await Redis.KeyExistsAsync(Prefix + id));
    }

    [Theory]
    [InlineData(null, null, 24 * 60)] // connect-redis's default: one day
    [InlineData(20, null, 20)]
    [InlineData(20, 60, 20)] // the idle timeout comes first
    [InlineData(60, 10, 10)] // the cookie expires first
    [InlineData(null, 30, 30)]
    public async Task KeysTtl_IsTheEarlierOfTheCookiesExpiryAndTheIdleTimeout_AndEachRequestResetsIt(int? idleMinutes, int? maxAgeMinutes, int expectedMinutes)
    {
        await using var app = await StartAppAsync(session =>
        {
            session.IdleTimeout = idleMinutes is { } idle ? TimeSpan.FromMinutes(idle) : null;
            session.Cookie.MaxAge = maxAgeMinutes is { } maxAge ? TimeSpan.FromMinutes(maxAge) : null;
        });
        var client = app.GetTestClient();
        var (cookie, id) = await VisitAsync(client, null);
        var expected = TimeSpan.FromMinutes(expectedMinutes);
        AssertAbout(expected, await Redis.KeyTimeToLiveAsync(Prefix + id));

        await Redis.KeyExpireAsync(Prefix + id, TimeSpan.FromSeconds(30));
        using (var response = await client.SendAsync(Request("/peek", cookie)))
        {
            Assert.Equal("1", await response.Content.ReadAsStringAsync());
        }

        AssertAbout(expected, await Redis.KeyTimeToLiveAsync(Prefix + id)); // touched, not rewritten
    }

    [Fact]
    public async Task StoreOutage_IsA503WithRetryAfter_Promptly_AndTheAppRecoversWithTheSessionIntact()
    {
        await using var server = await RedisServer.StartAsync(persistence: true);
        // Timeouts far longer than the bound below: the 503 must come from the outage itself, not from a timeout.
        await using var app = await StartAppAsync(
            session => session.StoreTimeout = TimeSpan.FromSeconds(30), redis => redis.OperationTimeout = TimeSpan.FromSeconds(20), server);
        var client = app.GetTestClient();
        var (cookie, _) = await VisitAsync(client, null);

        await server.StopAsync();
        var clock = Stopwatch.StartNew();
        using (var response = await client.SendAsync(Request("/count", cookie)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
        }

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));

        await server.RestartAsync();
        var count = await EventuallyAsync(async () =>
        {
            using var response = await client.SendAsync(Request("/count", cookie));
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync() : null;
        });
        Assert.Equal("2", count);
    }

    [Fact]
    public async Task StoppedServer_FailsEveryOperationFast_ThenRecoversWithTheDataIntact()
    {
        await using var server = await RedisServer.StartAsync(persistence: true);
        var store = Open(configure: options =>
        {
            options.Configuration = server.ConfigurationString;
            options.OperationTimeout = TimeSpan.FromSeconds(20); // far longer than the bound below: nothing waits for it
        });
        var id = NewId();
        await store.SetAsync(id, Record("""{"visits":7}""", TimeSpan.FromMinutes(10)), None);

        await server.StopAsync();

        foreach (var operation in new Func<Task>[]
        {
            () => store.GetAsync(id, None).AsTask(),
            () => store.SetAsync(id, Record("""{"visits":8}""", TimeSpan.FromMinutes(10)), None).AsTask(),
            () => store.TouchAsync(id, Encoding.UTF8.GetBytes("""{"visits":8}"""), DateTimeOffset.UtcNow.AddHours(1), None).AsTask(),
            () => store.DestroyAsync(id, None).AsTask(),
        })
        {
            var clock = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<RedisException>(operation);
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        }

        await server.RestartAsync();
        var record = await EventuallyAsync(async () =>
        {
            try
            {
                return await store.GetAsync(id, None);
            }
            catch (RedisException)
            {
                return null;
            }
        });
        Assert.Equal("""{"visits":7}""", Text(record!.Value.Payload));
    }

    [Fact]
    public async Task Outage_IsLoggedOnceWhenItStarts_AndOnceWhenItEnds_WithoutSessionIds()
    {
        await using var server = await RedisServer.StartAsync();
        var log = new ListLogger();
        var store = new RedisSessionStore(
            new RedisSessionStoreOptions { Configuration = server.ConfigurationString, OperationTimeout = TimeSpan.FromSeconds(1) },
            new SessionCookieOptions(),
            TimeProvider.System,
            log);
        Stores.Add(store);
        var id = NewId();
        await store.SetAsync(id, Record("{}", TimeSpan.FromMinutes(1)), None);

        await server.StopAsync();
        await ReconnectionAttemptsAsync(server.Port, count: 3); // each fails: the port answers and hangs up
        await server.RestartAsync();
        await EventuallyAsync(() => Task.FromResult(log.Entries.Any(entry => entry.Id == 2203) ? "restored" : null));

        Assert.Equal(1, log.Entries.Count(entry => entry.Id == 2202 && entry.Level == LogLevel.Warning));
        Assert.Equal(1, log.Entries.Count(entry => entry.Id == 2203));
        Assert.DoesNotContain(log.Entries, entry => entry.Message.Contains(id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ServerThatDeniesInfo_IsTakenForNewEnough_AndServes()
    {
        var configuration = await UserWithoutInfoAsync();
        var store = Open(configure: options => options.Configuration = configuration);
        var id = NewId();

        await store.SetAsync(id, Record("""{"visits":1}""", TimeSpan.FromMinutes(1)), None);

        Assert.Equal("""{"visits":1}""", Text((await store.GetAsync(id, None))!.Value.Payload));
        Assert.True((await store.GetAndLeaseAsync(id, "holder", TimeSpan.FromSeconds(10), None)).Acquired); // SET … NX GET
        await store.ReleaseLeaseAsync(id, "holder", None);
    }

    [Fact]
    public async Task ServerOlderThanRedis7_IsRefused_WithAnErrorNamingItsVersion_LoggedOnce()
    {
        // A real server can't be made older: where INFO is denied, the client takes the version the configuration names.
        var configuration = await UserWithoutInfoAsync() + ",version=6.2.14";
        var log = new ListLogger();
        var store = new RedisSessionStore(
            new RedisSessionStoreOptions { Configuration = configuration, KeyPrefix = Prefix },
            new SessionCookieOptions(),
            TimeProvider.System,
            log);
        Stores.Add(store);

        foreach (var operation in new Func<Task>[]
        {
            () => store.GetAsync(NewId(), None).AsTask(),
            () => store.SetAsync(NewId(), Record("{}", TimeSpan.FromMinutes(1)), None).AsTask(),
        })
        {
            var error = await Assert.ThrowsAsync<NotSupportedException>(operation);
            Assert.Matches(@"^Redis 6\.2\.14 at \S+:\d+ is older than 7\.0, which the Redis session store needs", error.Message);
        }

        var logged = Assert.Single(log.Entries, entry => entry.Id == 2205);
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Contains("Redis 6.2.14", logged.Message, StringComparison.Ordinal);
        Assert.Equal("*0", await Server.CommandAsync("KEYS", Prefix + "*")); // nothing was written
    }

    [Fact]
    public async Task UnresponsiveServer_FailsWithinTheOperationTimeout()
    {
        await using var server = await RedisServer.StartAsync();
        var store = Open(configure: options =>
        {
            options.Configuration = server.ConfigurationString;
            options.OperationTimeout = TimeSpan.FromSeconds(1);
        });
        var id = NewId();
        await store.SetAsync(id, Record("{}", TimeSpan.FromMinutes(10)), None);

        Assert.Equal("+OK", await server.CommandAsync("CLIENT", "PAUSE", "20000", "ALL")); // a hung server: connected, not answering for 20 s
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAsync<RedisTimeoutException>(() => store.GetAsync(id, None).AsTask());

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(12)); // the timeout, not the pause
    }

    [Fact]
    public async Task UnreachableAtStartup_FailsFast_AndConnectsWhenRedisComesUp()
    {
        await using var server = await RedisServer.StartAsync();
        await server.StopAsync();
        var store = Open(configure: options =>
        {
            options.Configuration = server.ConfigurationString;
            options.OperationTimeout = TimeSpan.FromSeconds(1);
        });

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => store.GetAsync(NewId(), None).AsTask());

        // Refused at once (RedisException), or, when the first connection attempt is slow on a loaded machine, given up
        // after OperationTimeout (TimeoutException): both are faults the middleware answers with 503.
        Assert.True(error is RedisException or TimeoutException, $"unexpected {error.GetType()}: {error.Message}");
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));

        await server.RestartAsync();
        var id = NewId();
        await EventuallyAsync(async () =>
        {
            try
            {
                await store.SetAsync(id, Record("{}", TimeSpan.FromMinutes(1)), None);
                return "stored";
            }
            catch (RedisException)
            {
                return null;
            }
        });
        Assert.NotNull(await store.GetAsync(id, None));
    }

    [Fact]
    public async Task EveryUnleasedOperation_IsOneCommandOrScript_AndNoneSendsAnInstant()
    {
        await using var server = await RedisServer.StartAsync();
        var store = Open(configure: options => options.Configuration = server.ConfigurationString);
        var id = NewId();
        await store.SetAsync(NewId(), Record("{}", TimeSpan.FromMinutes(1)), None); // connects
        await server.CommandAsync("CONFIG", "RESETSTAT");

        await store.GetAsync(id, None);
        await store.SetAsync(id, Record("{}", TimeSpan.FromMinutes(1)), None);
        await store.GetAsync(id, None);
        await store.TouchAsync(id, Encoding.UTF8.GetBytes("{}"), DateTimeOffset.UtcNow.AddMinutes(2), None);
        await store.DestroyAsync(id, None);

        var stats = await server.CommandAsync("INFO", "commandstats");
        Assert.Equal(1, Calls(stats, "eval") + Calls(stats, "evalsha")); // the touch, conditional on the value (RedisScripts.Touch)
        Assert.Equal(2, Calls(stats, "pttl")); // the two loads, each with a GET
        Assert.Equal(3, Calls(stats, "get")); // and the touch's, inside its script
        Assert.Equal(1, Calls(stats, "psetex") + Calls(stats, "setex") + Calls(stats, "set")); // the client's spelling of SET … PX
        Assert.Equal(1, Calls(stats, "pexpire") + Calls(stats, "expire")); // the touch (EXPIRE when the time is whole seconds)
        Assert.Equal(1, Calls(stats, "unlink") + Calls(stats, "del"));
        Assert.Equal(0, Calls(stats, "pexpiretime") + Calls(stats, "pexpireat") + Calls(stats, "expiretime") + Calls(stats, "expireat"));
    }

    [Fact]
    public async Task Dispose_WhileRedisIsDown_IsPrompt()
    {
        await using var server = await RedisServer.StartAsync();
        var store = new RedisSessionStore(
            new RedisSessionStoreOptions { Configuration = server.ConfigurationString, OperationTimeout = TimeSpan.FromSeconds(1) },
            new SessionCookieOptions(),
            TimeProvider.System,
            NullLogger<RedisSessionStore>.Instance);
        await store.SetAsync(NewId(), Record("{}", TimeSpan.FromMinutes(1)), None);
        await server.StopAsync();
        var clock = Stopwatch.StartNew();

        await store.DisposeAsync();

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetAsync(NewId(), None).AsTask());
    }

    [Fact]
    public async Task SynchronousDispose_ClosesTheConnection_AndTheStoreRefusesOperations()
    {
        await using var server = await RedisServer.StartAsync();
        var others = ConnectedClients(await server.CommandAsync("INFO", "clients")); // the test's own
        var store = Open(configure: options => options.Configuration = server.ConfigurationString);
        await store.SetAsync(NewId(), Record("{}", TimeSpan.FromMinutes(1)), None);
        Assert.True(ConnectedClients(await server.CommandAsync("INFO", "clients")) > others);

        store.Dispose();

        await Bounded.UntilAsync(
            async () => ConnectedClients(await server.CommandAsync("INFO", "clients")) <= others,
            "the store's connections to close (the test's own stay)");
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetAsync(NewId(), None).AsTask());
        store.Dispose(); // a second dispose does nothing
    }

    private static int ConnectedClients(string info) =>
        int.Parse(info.Split('\n').Single(line => line.StartsWith("connected_clients:", StringComparison.Ordinal))["connected_clients:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Cluster_SpreadsSessionsOverEveryMaster_AndServesEachOneInOneRoundTrip_TouchesIncluded()
    {
        await using var cluster = await RedisCluster.StartAsync(masters: 3);
        var store = Open(configure: options => options.Configuration = cluster.ConfigurationString);
        var ids = Enumerable.Range(0, 300).Select(_ => NewId()).ToArray();
        var expires = DateTimeOffset.UtcNow.AddMinutes(10);

        await Task.WhenAll(ids.Select((id, i) => store.SetAsync(id, Record($$"""{"i":{{i}}}""", expires), None).AsTask()));
        Assert.All(await Task.WhenAll(ids.Select((id, i) => store.TouchAsync(id, Encoding.UTF8.GetBytes($$"""{"i":{{i}}}"""), expires.AddMinutes(5), None).AsTask())), Assert.True);

        for (var i = 0; i < ids.Length; i++)
        {
            var record = await store.GetAsync(ids[i], None);
            Assert.Equal($$"""{"i":{{i}}}""", Text(record!.Value.Payload));
        }

        // A touch with a payload the session no longer holds leaves it alone, on whichever master holds it.
        await Task.WhenAll(ids.Select((id, i) => store.SetAsync(id, Record($$"""{"i":{{i}},"saved":true}""", expires), None).AsTask()));
        Assert.All(await Task.WhenAll(ids.Select((id, i) => store.TouchAsync(id, Encoding.UTF8.GetBytes($$"""{"i":{{i}}}"""), expires.AddHours(1), None).AsTask())), Assert.False);
        Assert.All(await Task.WhenAll(ids.Select(id => store.GetAsync(id, None).AsTask())), record => Assert.True(record!.Value.Expires < expires.AddMinutes(1)));

        await Task.WhenAll(ids.Take(100).Select(id => store.DestroyAsync(id, None).AsTask()));
        Assert.Null(await store.GetAsync(ids[0], None));
        var sizes = await Task.WhenAll(cluster.Nodes.Select(async node => long.Parse((await node.CommandAsync("DBSIZE"))[1..], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.All(sizes, size => Assert.True(size > 20, $"A master holds only {size} of the sessions: {string.Join(", ", sizes)}."));
        Assert.Equal(200, sizes.Sum());
    }

    private RedisSessionStore Open(Action<SessionCookieOptions>? cookie = null, Action<RedisSessionStoreOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new RedisSessionStoreOptions { Configuration = Server.ConfigurationString, KeyPrefix = Prefix };
        configure?.Invoke(options);
        var cookieOptions = new SessionCookieOptions();
        cookie?.Invoke(cookieOptions);
        var store = new RedisSessionStore(options, cookieOptions, time ?? TimeProvider.System, NullLogger<RedisSessionStore>.Instance);
        Stores.Add(store);
        return store;
    }

    /// <summary>An app on the Redis store: <c>/count</c> counts visits, <c>/peek</c> reads the count without changing it.</summary>
    private async Task<WebApplication> StartAppAsync(Action<ServerSessionOptions> configure, Action<RedisSessionStoreOptions>? redis = null, RedisServer? server = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services
            .AddServerSessions(session =>
            {
                session.Secret = ServerSessions.Tests.Infrastructure.SessionTestHost.Secret;
                configure(session);
            })
            .AddRedisStore(options =>
            {
                options.Configuration = (server ?? Server).ConfigurationString;
                options.KeyPrefix = Prefix;
                redis?.Invoke(options);
            });
        var app = builder.Build();
        app.UseServerSessions();
        app.MapGet("/count", (ServerSession session) =>
        {
            var visits = session.Get<int>("visits") + 1;
            session.Set("visits", visits);
            return visits;
        });
        app.MapGet("/peek", (ServerSession session) => session.Get<int>("visits"));
        await app.StartAsync();
        return app;
    }

    private static async Task<(string Cookie, string Id)> VisitAsync(HttpClient client, string? cookie)
    {
        using var response = await client.SendAsync(Request("/count", cookie));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var setCookie = response.Headers.GetValues("Set-Cookie").Single();
        var pair = setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)];
        var signed = Uri.UnescapeDataString(pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..]); // s:<id>.<signature>
        return (pair, signed[2..signed.LastIndexOf('.')]);
    }

    private static HttpRequestMessage Request(string path, string? cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        return request;
    }

    private static long Calls(string commandStats, string command)
    {
        var line = commandStats.Split("\r\n").SingleOrDefault(line => line.StartsWith($"cmdstat_{command}:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split("calls=")[1].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void AssertAbout(TimeSpan expected, TimeSpan? actual) =>
        Assert.InRange(actual ?? TimeSpan.Zero, expected - TimeSpan.FromSeconds(10), expected);

    // Stands in for a stopped server on its port until the store has tried to reconnect count times, hanging up on each.
    private static async Task ReconnectionAttemptsAsync(int port, int count)
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, port);
        listener.Start();
        for (var attempt = 0; attempt < count; attempt++)
        {
            using var connection = await listener.AcceptTcpClientAsync().Within($"reconnection attempt {attempt + 1} of {count}");
        }

        listener.Stop();
    }

    // A Redis user of this test's own that may run every command but @dangerous ones (INFO among them), as some hosted
    // Redis offerings and proxies do; returns the configuration string to connect as it, after checking INFO is denied.
    private async Task<string> UserWithoutInfoAsync()
    {
        var user = "noinfo-" + Guid.NewGuid().ToString("N");
        Assert.Equal("+OK", await Server.CommandAsync("ACL", "SETUSER", user, "on", ">" + user, "~*", "&*", "+@all", "-@dangerous"));
        var configuration = $"{Server.ConfigurationString},user={user},password={user}";
        await using var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        var denied = await Assert.ThrowsAsync<RedisServerException>(() => connection.GetDatabase().ExecuteAsync("INFO"));
        Assert.Contains("NOPERM", denied.Message, StringComparison.Ordinal);
        return configuration;
    }

    // The key's time to live as Redis reports it (PTTL), with "no key" and "no expiry" told apart.
    private async Task<TimeSpan> PttlAsync(string key)
    {
        var milliseconds = (long)await Redis.ExecuteAsync("PTTL", key);
        Assert.True(milliseconds >= 0, $"PTTL {key} is {milliseconds}: the key is gone (-2) or never expires (-1).");
        return TimeSpan.FromMilliseconds(milliseconds);
    }

    /// <summary>Retries <paramref name="attempt"/> until it returns a value, for at most <see cref="Bounded.Limit"/>.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> attempt)
    {
        T? result = default;
        await Bounded.UntilAsync(async () => (result = await attempt()) is not null, "the Redis store to recover");
        return result!;
    }

    private static SessionRecord Record(string payload, TimeSpan lifetime) => Record(payload, DateTimeOffset.UtcNow + lifetime);

    private static SessionRecord Record(string payload, DateTimeOffset expires) => new(Encoding.UTF8.GetBytes(payload), expires);

    private static string NewId() => Guid.NewGuid().ToString("N");

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    private sealed class ListLogger : ILogger
    {
        public System.Collections.Concurrent.ConcurrentQueue<(int Id, LogLevel Level, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
    }
}
