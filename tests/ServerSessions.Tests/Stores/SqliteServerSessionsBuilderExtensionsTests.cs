using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ServerSessions.Sqlite;

namespace ServerSessions.Tests.Stores;

public sealed class SqliteServerSessionsBuilderExtensionsTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void GeneratedSecret_IsKeptBesideTheDatabase()
    {
        using var services = Build(new() { ["Session:Sqlite:Path"] = _folder.File("db/sessions.db") });

        var options = services.GetRequiredService<IOptions<ServerSessionOptions>>().Value;

        Assert.Equal(Path.Combine(_folder.Path, "db", "session-secret"), options.SecretFile);
    }

    [Fact]
    public void ConfiguredSecretFile_IsLeftAsItIs()
    {
        var secretFile = _folder.File("elsewhere/secret");
        using var services = Build(new()
        {
            ["Session:SecretFile"] = secretFile,
            ["Session:Sqlite:Path"] = _folder.File("sessions.db"),
        });

        Assert.Equal(secretFile, services.GetRequiredService<IOptions<ServerSessionOptions>>().Value.SecretFile);
    }

    [Fact]
    public void SessionSqliteSection_IsBound_ThenConfigureApplies()
    {
        using var services = Build(
            new()
            {
                ["Session:Sqlite:Path"] = _folder.File("sessions.db"),
                ["Session:Sqlite:Synchronous"] = "FULL",
                ["Session:Sqlite:SweepInterval"] = "00:00:30",
                ["Session:Sqlite:SweepBatchSize"] = "50",
            },
            sqlite => sqlite.SweepBatchSize = 60);

        var options = services.GetRequiredService<IOptions<SqliteSessionStoreOptions>>().Value;

        Assert.Equal(_folder.File("sessions.db"), options.Path);
        Assert.Equal(SqliteSynchronous.Full, options.Synchronous);
        Assert.Equal(TimeSpan.FromSeconds(30), options.SweepInterval);
        Assert.Equal(60, options.SweepBatchSize);
    }

    [Fact]
    public void MisspelledKeyUnderSessionSqlite_IsAStartupError()
    {
        using var services = Build(new() { ["Session:Sqlite:Pathh"] = _folder.File("sessions.db") });

        var error = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Pathh", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidValue_IsAStartupErrorNamingTheSetting()
    {
        using var services = Build(new()
        {
            ["Session:Sqlite:Path"] = _folder.File("sessions.db"),
            ["Session:Sqlite:SweepBatchSize"] = "0",
        });

        // OptionsValidationException, or several of them in an AggregateException (ServerSessionOptions reads these too).
        var error = Assert.ThrowsAny<Exception>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Session:Sqlite:SweepBatchSize", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("WriteQueueLimit")]
    [InlineData("ReadQueueLimit")]
    public void QueueLimitBelowOne_IsAStartupErrorNamingTheSetting(string setting)
    {
        using var services = Build(new()
        {
            ["Session:Sqlite:Path"] = _folder.File("sessions.db"),
            [$"Session:Sqlite:{setting}"] = "0",
        });

        var error = Assert.ThrowsAny<Exception>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains($"Session:Sqlite:{setting} must be at least 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisteredStore_IsASqliteStoreOnTheConfiguredFile()
    {
        var path = _folder.File("sessions.db");
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var services = Build(new() { ["Session:Sqlite:Path"] = path }, services: collection => collection.AddSingleton<TimeProvider>(time));
        var registration = services.GetServices<SessionStoreRegistration>().Single(store => store.Name == "Sqlite");

        await using var store = Assert.IsType<SqliteSessionStore>(registration.Factory(services));

        Assert.Equal(path, store.Path);
        await store.SetAsync("a", new SessionRecord(new byte[] { 1 }, time.GetUtcNow().AddMinutes(1)), CancellationToken.None);
        Assert.NotNull(await store.GetAsync("a", CancellationToken.None));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await store.GetAsync("a", CancellationToken.None)); // expiry follows the TimeProvider from DI
    }

    private static ServiceProvider Build(
        Dictionary<string, string?> settings,
        Action<SqliteSessionStoreOptions>? configure = null,
        Action<IServiceCollection>? services = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        collection.AddServerSessions(configuration.GetSection("Session")).AddSqliteStore(configure);
        return collection.BuildServiceProvider();
    }
}
