using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerSessions;
using ServerSessions.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Redis session store.</summary>
public static class RedisServerSessionsBuilderExtensions
{
    private const string StoreName = "Redis";

    /// <summary>
    /// Registers <see cref="RedisSessionStore"/> as the <c>Redis</c> store, with options from <c>Session:Redis</c> (a key
    /// there that no option has is an error) and then <paramref name="configure"/>. The store is shared between app
    /// instances, so when it is chosen the app refuses to start without <c>Session:Secret</c> (or <c>Session:Secrets</c>),
    /// and without <c>Session:Redis:Configuration</c>. Its options are checked when it is chosen, so registering it
    /// beside another store costs nothing.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddServerSessions</c>.</param>
    /// <param name="configure">Sets options after the configuration section is applied.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddServerSessions(builder.Configuration.GetSection("Session"))
    ///     .AddRedisStore(redis => redis.Configuration = "127.0.0.1:6379");
    /// </code>
    /// </example>
    public static ServerSessionsBuilder AddRedisStore(this ServerSessionsBuilder builder, Action<RedisSessionStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddStoreOptions(StoreName, configure);
        builder.Services.TryAddEnumerable(
            ServiceDescriptor.Singleton<IValidateOptions<RedisSessionStoreOptions>, RedisSessionStoreOptionsValidator>());

        return builder.AddStore(
            StoreName,
            services => new RedisSessionStore(
                services.GetRequiredService<IOptions<RedisSessionStoreOptions>>().Value,
                services.GetRequiredService<IOptions<ServerSessionOptions>>().Value.Cookie,
                services.GetService<TimeProvider>() ?? TimeProvider.System,
                services.GetService<ILogger<RedisSessionStore>>() ?? NullLogger<RedisSessionStore>.Instance),
            shared: true);
    }
}
