using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerSessions.Redis;

namespace ServerSessions.Tests.Stores;

/// <summary><c>AddRedisStore</c>: its settings, and the startup errors of a Redis store that cannot work.</summary>
public sealed class RedisServerSessionsBuilderExtensionsTests
{
    // Nothing listens there: these tests never reach Redis (the store connects in the background and fails fast).
    private const string Unreachable = "127.0.0.1:1";

    [Fact]
    public void SessionRedisSection_IsBound_ThenConfigureApplies()
    {
        using var app = Build(
            new()
            {
                ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!",
                ["Session:Redis:Configuration"] = Unreachable,
                ["Session:Redis:KeyPrefix"] = "myapp:",
                ["Session:Redis:OperationTimeout"] = "00:00:01",
                ["Session:Redis:IndexKeyPrefix"] = "myapp:users:",
            },
            redis => redis.KeyPrefix += "sess:");

        var options = app.Services.GetRequiredService<IOptions<RedisSessionStoreOptions>>().Value;

        Assert.Equal((Unreachable, "myapp:sess:", TimeSpan.FromSeconds(1)), (options.Configuration, options.KeyPrefix, options.OperationTimeout));
        Assert.Equal("myapp:users:", options.IndexKeyPrefix);
        app.UseServerSessions(); // valid: the index's prefix does not overlap the sessions'
    }

    [Fact]
    public async Task ChosenStore_IsARedisStore()
    {
        await using var app = Build(new() { ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!", ["Session:Redis:Configuration"] = Unreachable });

        app.UseServerSessions();

        Assert.IsType<RedisSessionStore>(app.Services.GetRequiredService<SessionRuntime>().Store);
    }

    [Fact]
    public void MisspelledKeyUnderSessionRedis_IsAStartupError_NamingTheKey()
    {
        using var app = Build(new()
        {
            ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!",
            ["Session:Redis:Configuration"] = Unreachable,
            ["Session:Redis:KeyPrefx"] = "app:",
        });

        var error = Assert.ThrowsAny<Exception>(() => app.UseServerSessions());

        Assert.Contains("KeyPrefx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingConfiguration_IsAStartupError_NamingTheSetting()
    {
        using var app = Build(new() { ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!", ["Session:Store"] = "Redis" });

        var error = Assert.Throws<OptionsValidationException>(() => app.UseServerSessions());

        Assert.Contains("Session:Redis:Configuration", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Session:Redis:Configuration", "127.0.0.1:6379,notAnOption=1")]
    [InlineData("Session:Redis:KeyPrefix", "{sess}:")]
    [InlineData("Session:Redis:IndexKeyPrefix", "")]
    [InlineData("Session:Redis:IndexKeyPrefix", "sess:users:")]
    [InlineData("Session:Redis:IndexKeyPrefix", "se")]
    [InlineData("Session:Redis:IndexKeyPrefix", "{users}:")]
    [InlineData("Session:Redis:OperationTimeout", "00:00:00")]
    public void InvalidValue_IsAStartupError_NamingTheSetting(string key, string value)
    {
        using var app = Build(new() { ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!", ["Session:Redis:Configuration"] = Unreachable, [key] = value });

        var error = Assert.Throws<OptionsValidationException>(() => app.UseServerSessions());

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigurationWithAPassword_IsNotRepeatedInErrors()
    {
        using var app = Build(new() { ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!", ["Session:Redis:Configuration"] = "127.0.0.1:6379,password=hunter2,bogus=1" });

        var error = Assert.Throws<OptionsValidationException>(() => app.UseServerSessions());

        Assert.Contains("Session:Redis:Configuration", error.Message, StringComparison.Ordinal); // the error is about that setting
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RedisStoreWithoutASecret_RefusesToStart()
    {
        using var app = Build(new() { ["Session:Redis:Configuration"] = Unreachable });

        var error = Assert.Throws<InvalidOperationException>(() => app.UseServerSessions());

        Assert.Contains("Session:Secret", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Redis'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RegisteredButNotChosen_NeedsNoRedisSettings()
    {
        using var app = Build(new() { ["Session:Store"] = "Memory" });

        app.UseServerSessions();

        Assert.IsType<MemorySessionStore>(app.Services.GetRequiredService<SessionRuntime>().Store);
    }

    private static WebApplication Build(Dictionary<string, string?> settings, Action<RedisSessionStoreOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddServerSessions(builder.Configuration.GetSection("Session")).AddRedisStore(configure);
        return builder.Build();
    }
}
