using Microsoft.AspNetCore.DataProtection;
using StackExchange.Redis;

namespace VisitTracker;

/// <summary>
/// Where the keys behind antiforgery tokens live, so forms survive restarts and work on every node: a folder beside the
/// users database on one node, or the session store's Redis when <c>Session:Store</c> is <c>Redis</c> (every node on
/// that Redis then shares one key ring). The application name is fixed, so every node derives the same protectors
/// wherever it is installed.
/// </summary>
internal static class DataProtectionKeys
{
    /// <summary>The application name every node shares.</summary>
    public const string ApplicationName = "VisitTracker";

    /// <summary>The Redis key of the key ring: outside the sessions' <c>sess:</c> prefix, which connect-redis apps scan.</summary>
    public const string RedisKey = "VisitTracker:DataProtection-Keys";

    public static void AddVisitTrackerDataProtection(this IServiceCollection services, IConfiguration configuration, string usersDatabase)
    {
        var dataProtection = services.AddDataProtection().SetApplicationName(ApplicationName);
        if (UsesRedis(configuration))
        {
            var redis = configuration["Session:Redis:Configuration"]!;
            // Connected on first use; without AbortOnConnectFail a Redis that is down is no startup error, and the client
            // reconnects by itself, as the session store's does.
            var connection = new Lazy<ConnectionMultiplexer>(() =>
            {
                var options = ConfigurationOptions.Parse(redis);
                options.AbortOnConnectFail = false;
                return ConnectionMultiplexer.Connect(options);
            });
            dataProtection.PersistKeysToStackExchangeRedis(() => connection.Value.GetDatabase(), RedisKey);
        }
        else
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(Folder(usersDatabase)));
        }
    }

    /// <summary>Whether the key ring is in the session store's Redis.</summary>
    public static bool UsesRedis(IConfiguration configuration) =>
        string.Equals(configuration["Session:Store"], "Redis", StringComparison.OrdinalIgnoreCase)
        && configuration["Session:Redis:Configuration"] is { Length: > 0 };

    /// <summary>The key ring's folder when it is on disk: <c>keys/</c> beside the users database.</summary>
    public static string Folder(string usersDatabase) => Path.Combine(Path.GetDirectoryName(usersDatabase)!, "keys");
}
