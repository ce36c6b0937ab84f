using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ServerSessions.Redis;

/// <summary>The Redis store's log entries, with stable event IDs (2200+). Endpoints and failure kinds only; never a session ID or a password.</summary>
internal static partial class Log
{
    [LoggerMessage(2200, LogLevel.Information, "Redis session store connecting to {Endpoints} (keys {KeyPrefix}<id>, operation timeout {Timeout}).")]
    public static partial void Connecting(this ILogger logger, string endpoints, string keyPrefix, TimeSpan timeout);

    [LoggerMessage(2201, LogLevel.Warning,
        "Redis session store could not connect to {Endpoints}; requests that need a session answer 503 until it reconnects, which it keeps trying.")]
    public static partial void NotConnected(this ILogger logger, string endpoints);

    [LoggerMessage(2202, LogLevel.Warning,
        "Redis connection to {Endpoint} failed ({FailureType}); requests that need a session there answer 503 until it is restored.")]
    public static partial void ConnectionFailed(this ILogger logger, string endpoint, ConnectionFailureType failureType, Exception? exception);

    [LoggerMessage(2203, LogLevel.Information, "Redis connection to {Endpoint} restored.")]
    public static partial void ConnectionRestored(this ILogger logger, string endpoint);

    [LoggerMessage(2204, LogLevel.Information, "Redis session store closed its connection to {Endpoints}.")]
    public static partial void Closed(this ILogger logger, string endpoints);

    [LoggerMessage(2205, LogLevel.Error, "{Reason} Until it is, requests that need a session answer 503.")]
    public static partial void UnsupportedServer(this ILogger logger, string reason);
}
