using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests;

/// <summary>Configuration mistakes stop the app at startup with the setting's name; a missing secret does not.</summary>
public sealed class StartupTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("serversessions-startup-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    internal static WebApplication Build(
        Dictionary<string, string?> settings, Action<IServiceCollection>? services = null, Action<ServerSessionOptions>? configure = null, LogLines? log = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        if (log is not null)
        {
            builder.Logging.AddProvider(log);
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddServerSessions(builder.Configuration.GetSection("Session"), configure);
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    [Fact]
    public void MisspelledKey_IsAStartupError_NamingTheKey()
    {
        using var app = Build(new() { ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!", ["Session:Cookie:Secrue"] = "true" });
        var error = Assert.Throws<OptionsValidationException>(() => app.UseServerSessions());
        Assert.Contains("Session:Cookie:Secrue", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MisspelledKey_StopsTheHostAtStart_WithTheOtherInvalidSettings()
    {
        using var app = Build(new() { ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!", ["Session:Secrue"] = "true", ["Session:MaxSessionSize"] = "10" });
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("Session:Secrue", error.Message, StringComparison.Ordinal);
        Assert.Contains("Session:MaxSessionSize", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SecretAndSecrets_Together_AreAStartupError()
    {
        using var app = Build(new() { ["Session:Secret"] = "a", ["Session:Secrets:0"] = "b" });
        var error = Assert.Throws<OptionsValidationException>(() => app.UseServerSessions());
        Assert.Contains("Session:Secret and Session:Secrets", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Session:Name", "bad name")]
    [InlineData("Session:Cookie:Path", "no-slash")]
    [InlineData("Session:IdleTimeout", "-00:01:00")]
    [InlineData("Session:MaxSessionSize", "10")]
    [InlineData("Session:MaxWaiters", "0")]
    [InlineData("Session:MaxHoldTime", "00:00:00")]
    [InlineData("Session:MaxHoldTime", "401.00:00:00")]
    [InlineData("Session:MaxHoldTime", "00:00:05")] // shorter than LockTimeout (10 s)
    public void InvalidValue_IsAStartupError_NamingTheSetting(string key, string value)
    {
        using var app = Build(new() { ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!", [key] = value });
        var error = Assert.Throws<OptionsValidationException>(() => app.UseServerSessions());
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WaitAndHoldLimits_BindFromConfiguration()
    {
        using var app = Build(new() { ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!", ["Session:MaxWaiters"] = "200", ["Session:MaxHoldTime"] = "00:05:00" });
        var options = app.Services.GetRequiredService<IOptions<ServerSessionOptions>>().Value;
        Assert.Equal((200, TimeSpan.FromMinutes(5)), (options.MaxWaiters, options.MaxHoldTime));
    }

    [Fact]
    public async Task MemoryStoreBounds_FromConfiguration_ReachTheStore()
    {
        using var app = Build(new()
        {
            ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!",
            ["Session:Memory:MaxSessions"] = "1000",
            ["Session:Memory:MaxBytes"] = "1048576",
        });
        app.UseServerSessions();
        var store = Assert.IsType<MemorySessionStore>(app.Services.GetRequiredKeyedService<IServerSessionStore>(SessionStoreChoice.StoreKey));

        for (var i = 0; i < 40; i++)
        {
            await store.SetAsync(SessionIds.New(), new SessionRecord(new byte[64 * 1024], DateTimeOffset.UtcNow.AddHours(1)), default);
        }

        Assert.Equal(15, store.Count); // 1 MiB of 64 KiB sessions, not 1,000 sessions
    }

    [Fact]
    public void MemoryByteBudgetUnderOneMebibyte_IsAStartupError_NamingTheSetting()
    {
        using var app = Build(new() { ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!", ["Session:Memory:MaxBytes"] = "1000" });

        var error = Assert.ThrowsAny<ArgumentException>(() => app.UseServerSessions());

        Assert.Contains("Session:Memory:MaxBytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SecureSettingFromEnvironmentForm_BindsAuto()
    {
        using var app = Build(new() { ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!", ["Session:Cookie:Secure"] = "auto", ["Session:IdleTimeout"] = "00:20:00" });
        var options = app.Services.GetRequiredService<IOptions<ServerSessionOptions>>().Value;
        Assert.Equal(CookieSecure.Auto, options.Cookie.Secure);
        Assert.Equal(TimeSpan.FromMinutes(20), options.IdleTimeout);
    }

    [Fact]
    public void ConfigurationOverridesCodeDefaults()
    {
        using var app = Build(new() { ["Session:Name"] = "from.config" }, configure: o =>
        {
            o.Name = "from.code";
            o.Rolling = true;
        });
        var options = app.Services.GetRequiredService<IOptions<ServerSessionOptions>>().Value;
        Assert.Equal(("from.config", true), (options.Name, options.Rolling));
    }

    [Fact]
    public void AspNetCoreAddSession_BesideOurs_IsAStartupError()
    {
        using var app = Build(new() { ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!" }, services => services.AddDistributedMemoryCache().AddSession());
        var error = Assert.Throws<InvalidOperationException>(() => app.UseServerSessions());
        Assert.Contains("AddSession()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownStoreName_IsAStartupError_ListingRegisteredStores()
    {
        using var app = Build(new() { ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!", ["Session:Store"] = "Mongo" });
        var error = Assert.Throws<InvalidOperationException>(() => app.UseServerSessions());
        Assert.Contains("Memory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SharedStoreWithoutSecret_IsAStartupError_NamingTheSetting()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddServerSessions().AddStore("Shared", _ => new MemorySessionStore(), shared: true);
        using var app = builder.Build();
        var error = Assert.Throws<InvalidOperationException>(() => app.UseServerSessions());
        Assert.Contains("Session:Secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StoreAndSecretErrors_AreFoundBeforeTheStoreIsCreated()
    {
        var created = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddServerSessions().AddStore("Shared", _ => new DisposalRecordingStore(() => created++), shared: true);
        using var app = builder.Build();
        Assert.Throws<InvalidOperationException>(() => app.UseServerSessions());
        Assert.Equal(0, created);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ChosenStore_IsDisposedByTheContainer_TheWayTheContainerIs(bool asynchronously)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddServerSessions(o => o.Secret = "a-test-secret-of-at-least-32-bytes!!").AddStore("Recording", _ => new DisposalRecordingStore());
        var provider = services.BuildServiceProvider();
        var store = Assert.IsType<DisposalRecordingStore>(provider.GetRequiredService<SessionRuntime>().Store);

        if (asynchronously)
        {
            await provider.DisposeAsync();
        }
        else
        {
            provider.Dispose();
        }

        Assert.Equal([asynchronously ? "DisposeAsync" : "Dispose"], store.Disposals);
    }

    [Fact]
    public void UseWithoutAdd_SaysWhatToCall()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        using var app = builder.Build();
        var error = Assert.Throws<InvalidOperationException>(() => app.UseServerSessions());
        Assert.Contains("AddServerSessions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void NoSecret_GeneratesOne_KeptOwnerOnly_AndReusedAfterRestart()
    {
        var path = Path.Combine(_folder, "nested", "session-secret");
        string Sign()
        {
            using var app = Build(new() { ["Session:SecretFile"] = path });
            app.UseServerSessions();
            return app.Services.GetRequiredService<SessionRuntime>().Signer.Sign("abcdefghijklmnopqrstuvwxyz012345");
        }

        var first = Sign();
        Assert.True(File.Exists(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.True(File.ReadAllText(path).Trim().Length >= 43); // 256 bits in base64
        Assert.Equal(first, Sign());
    }

    [Fact]
    public void NoSecretAndNoFile_StillWorks_WithAFreshSecretPerProcess()
    {
        const string id = "abcdefghijklmnopqrstuvwxyz012345";
        CookieSigner Signer()
        {
            using var app = Build([]);
            app.UseServerSessions();
            return app.Services.GetRequiredService<SessionRuntime>().Signer;
        }

        var signer = Signer();
        var signed = signer.Sign(id);

        // It signs, and verifies what it signed, as the current secret...
        Assert.True(signer.TryUnsign(signed, out var verified, out var current));
        Assert.Equal(id, verified.ToString());
        Assert.True(current);
        // ...which is generated, not a fixed fallback: another start (another process) has its own, and refuses this cookie.
        var restarted = Signer();
        Assert.NotEqual(signed, restarted.Sign(id));
        Assert.False(restarted.TryUnsign(signed, out _, out _));
        Assert.False(new CookieSigner([string.Empty]).TryUnsign(signed, out _, out _));
    }

    [Theory]
    [InlineData("Session:Secret")]
    [InlineData("Session:Secrets:0")]
    public void ShortSigningSecret_IsAStartupError_NamingTheSettingAndTheMigrationSetting(string key)
    {
        using var app = Build(new() { [key] = "my-secret" });
        var error = Assert.Throws<OptionsValidationException>(() => app.UseServerSessions());
        Assert.Contains($"{key} is shorter than 32 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("Session:AllowShortSecretForMigration=true", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("my-secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SigningSecretLength_IsCountedInUtf8Bytes()
    {
        using var thirtyOneAscii = Build(new() { ["Session:Secret"] = new string('x', 31) });
        Assert.Throws<OptionsValidationException>(() => thirtyOneAscii.UseServerSessions());

        using var sixteenTwoByteCharacters = Build(new() { ["Session:Secret"] = new string('é', 16) });
        sixteenTwoByteCharacters.UseServerSessions();
    }

    [Fact]
    public void ShortSigningSecret_WithTheMigrationSetting_SignsWithIt_AndWarnsAtStart()
    {
        var log = new LogLines();
        using var app = Build(new() { ["Session:Secret"] = "keyboard cat", ["Session:AllowShortSecretForMigration"] = "true" }, log: log);
        app.UseServerSessions();

        const string id = "abcdefghijklmnopqrstuvwxyz012345";
        Assert.Equal(new CookieSigner(["keyboard cat"]).Sign(id), app.Services.GetRequiredService<SessionRuntime>().Signer.Sign(id));
        var warning = Assert.Single(log.All, e => e.EventId == 2070);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("Session:AllowShortSecretForMigration", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(log.All, e => e.Message.Contains("keyboard cat", StringComparison.Ordinal));
    }

    [Fact]
    public void ShortVerifyOnlySecret_StartsWithAWarningNamingIt()
    {
        var log = new LogLines();
        using var app = Build(new() { ["Session:Secrets:0"] = "a-test-secret-of-at-least-32-bytes!!", ["Session:Secrets:1"] = "keyboard cat" }, log: log);
        app.UseServerSessions();

        var signer = app.Services.GetRequiredService<SessionRuntime>().Signer;
        Assert.True(signer.TryUnsign(new CookieSigner(["keyboard cat"]).Sign("abcdefghijklmnopqrstuvwxyz012345"), out _, out var current));
        Assert.False(current);
        var warning = Assert.Single(log.All, e => e.EventId == 2071);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("Session:Secrets:1", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(log.All, e => e.Message.Contains("keyboard cat", StringComparison.Ordinal));
    }

    public static TheoryData<string, Dictionary<string, string?>> CookiesBrowsersDrop => new()
    {
        { "Session:Cookie:SameSite is None but Session:Cookie:Secure is False", new() { ["Session:Cookie:SameSite"] = "None" } },
        { "Session:Cookie:SameSite is None with Session:Cookie:Secure=Auto", new() { ["Session:Cookie:SameSite"] = "None", ["Session:Cookie:Secure"] = "Auto" } },
        { "Session:Cookie:SameSite is Auto with Session:Cookie:Secure=False", new() { ["Session:Cookie:SameSite"] = "Auto" } },
        { "Session:Name '__Secure-sid' has the __Secure- prefix", new() { ["Session:Name"] = "__Secure-sid" } },
        { "Session:Name '__Secure-sid' has the __Secure- prefix", new() { ["Session:Name"] = "__Secure-sid", ["Session:Cookie:Secure"] = "Auto" } },
        { "Session:Name '__secure-sid' has the __Secure- prefix", new() { ["Session:Name"] = "__secure-sid" } },
        { "Session:Name '__Host-sid' has the __Host- prefix", new() { ["Session:Name"] = "__Host-sid", ["Session:Cookie:Secure"] = "Auto" } },
        { "Session:Name '__Host-sid' has the __Host- prefix", new() { ["Session:Name"] = "__Host-sid", ["Session:Cookie:Secure"] = "True", ["Session:Cookie:Path"] = "/app" } },
        { "Session:Name '__Host-sid' has the __Host- prefix", new() { ["Session:Name"] = "__Host-sid", ["Session:Cookie:Secure"] = "True", ["Session:Cookie:Domain"] = "example.com" } },
    };

    [Theory]
    [MemberData(nameof(CookiesBrowsersDrop))]
    public void CookieThatBrowsersDrop_IsAStartupError_NamingTheSettings(string expected, Dictionary<string, string?> cookie)
    {
        using var app = Build(new(cookie) { ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!" });
        var error = Assert.Throws<OptionsValidationException>(() => app.UseServerSessions());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("None", "True", "sid")]
    [InlineData("Auto", "Auto", "sid")]
    [InlineData("Lax", "True", "__Secure-sid")]
    [InlineData("Strict", "True", "__Host-sid")]
    public void CookieThatBrowsersKeep_Starts(string sameSite, string secure, string name)
    {
        using var app = Build(new()
        {
            ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!",
            ["Session:Cookie:SameSite"] = sameSite,
            ["Session:Cookie:Secure"] = secure,
            ["Session:Name"] = name,
        });
        app.UseServerSessions();
    }

    [Theory]
    [InlineData("Session:IdleTimeout", "400.00:00:01")]
    [InlineData("Session:AbsoluteTimeout", "400.00:00:01")]
    [InlineData("Session:Cookie:MaxAge", "400.00:00:01")]
    [InlineData("Session:LockTimeout", "1.00:00:01")]
    [InlineData("Session:StoreTimeout", "1.00:00:01")]
    [InlineData("Session:IdleTimeout", "10675199.02:48:05.4775807")] // TimeSpan.MaxValue: every request a 500 before
    public void TimeSpanPastItsBound_IsAStartupError_NamingTheSettingAndTheBound(string key, string value)
    {
        using var app = Build(new() { ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!", [key] = value });
        var error = Assert.Throws<OptionsValidationException>(() => app.UseServerSessions());
        Assert.Contains($"{key} must be more than zero and at most", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MemorySweepIntervalPastADay_IsAStartupError_NamingTheSetting()
    {
        using var app = Build(new() { ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!", ["Session:Memory:SweepInterval"] = "1.00:00:01" });
        var error = Assert.ThrowsAny<ArgumentOutOfRangeException>(() => app.UseServerSessions());
        Assert.Contains("Session:Memory:SweepInterval", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimeSpansAtTheirBounds_ServeSessions()
    {
        using var app = Build(new()
        {
            ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!",
            ["Session:IdleTimeout"] = "400.00:00:00",
            ["Session:AbsoluteTimeout"] = "400.00:00:00",
            ["Session:Cookie:MaxAge"] = "400.00:00:00",
            ["Session:LockTimeout"] = "1.00:00:00",
            ["Session:MaxHoldTime"] = "1.00:00:00",
            ["Session:StoreTimeout"] = "1.00:00:00",
            ["Session:Memory:SweepInterval"] = "1.00:00:00",
        });
        app.UseServerSessions();
        app.MapGet("/", (ServerSession session) => session.Set("visits", session.Get<int>("visits") + 1));
        await app.StartAsync().WaitAsync(ServerSessions.Testing.Bounded.Limit);
        using var client = app.GetTestClient();

        using var first = await client.GetAsync(new Uri("/", UriKind.Relative)).WaitAsync(ServerSessions.Testing.Bounded.Limit);

        Assert.Equal(System.Net.HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("Expires=", Assert.Single(first.Headers.GetValues("Set-Cookie")), StringComparison.Ordinal);
        await app.StopAsync().WaitAsync(ServerSessions.Testing.Bounded.Limit);
    }

    [Fact]
    public async Task SessionMaxAgePastBrowsersCap_IsRefused_AndTheSessionStaysUsable()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", (ServerSession session) =>
        {
            session.Set("visits", 1);
            try
            {
                session.MaxAge = TimeSpan.FromDays(400) + TimeSpan.FromSeconds(1);
                return "accepted";
            }
            catch (ArgumentOutOfRangeException)
            {
                session.MaxAge = TimeSpan.FromDays(400);
                return "refused";
            }
        }));

        using var response = await host.SendAsync("/");

        Assert.Equal("refused", await response.Content.ReadAsStringAsync());
        Assert.Contains("Expires", CookieAttributes.Of(response).Keys);
    }

    /// <summary>A store that records how it is disposed (and, optionally, that it was created).</summary>
    private sealed class DisposalRecordingStore : IServerSessionStore, IDisposable, IAsyncDisposable
    {
        public DisposalRecordingStore(Action? created = null) => created?.Invoke();

        public List<string> Disposals { get; } = [];

        public ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken) => ValueTask.FromResult<SessionRecord?>(null);

        public ValueTask SetAsync(string id, SessionRecord record, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DestroyAsync(string id, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<bool> TouchAsync(string id, ReadOnlyMemory<byte> payload, DateTimeOffset expires, CancellationToken cancellationToken) => ValueTask.FromResult(false);

        public void Dispose() => Disposals.Add("Dispose");

        public ValueTask DisposeAsync()
        {
            Disposals.Add("DisposeAsync");
            return ValueTask.CompletedTask;
        }
    }
}
