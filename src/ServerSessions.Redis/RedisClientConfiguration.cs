using StackExchange.Redis;

namespace ServerSessions.Redis;

/// <summary>The StackExchange.Redis client settings the store runs with, from its options.</summary>
internal static class RedisClientConfiguration
{
    public static ConfigurationOptions From(RedisSessionStoreOptions options)
    {
        var configuration = ConfigurationOptions.Parse(options.Configuration!);
        var timeout = (int)options.OperationTimeout.TotalMilliseconds;

        // Start while Redis is down and reconnect by itself; never queue commands while disconnected (the default), so a
        // request during an outage fails at once with a 503 instead of waiting for a timeout.
        configuration.AbortOnConnectFail = false;
        configuration.ConnectRetry = 1;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ConnectTimeout = timeout;
        configuration.SyncTimeout = timeout;
        configuration.AsyncTimeout = timeout;

        // The client would name the commands and keys it was running ("GET sess:<id>") in its timeout and connection
        // errors, which the store's failures are logged with: session IDs must not reach the logs.
        configuration.IncludeDetailInExceptions = false;

        // The default waits ConnectTimeout / 2 and more between attempts, growing to 10 s; sessions should come back
        // within a couple of seconds of Redis.
        configuration.ReconnectRetryPolicy = new ExponentialRetry(500, 2000);

        // The client learns a server's version from INFO, which an ACL may deny (it is @dangerous) or a proxy may not
        // pass; it then assumes this version. Unless the configuration names one (version=), assume the oldest the store
        // runs on, so that such a server is not refused as the client's default (3.0) would have it.
        if (!options.Configuration!.Split(',').Any(part => part.TrimStart().StartsWith("version=", StringComparison.OrdinalIgnoreCase)))
        {
            configuration.DefaultVersion = RedisVersionRequirement.Minimum;
        }

        return configuration;
    }
}
