using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ServerSessions.Redis;

/// <summary>
/// The oldest Redis the store's commands run on, checked against each server the store connects to: an older server
/// would answer the lease's first command with a syntax error on every request, which says nothing about the cause.
/// </summary>
internal sealed class RedisVersionRequirement(ILogger logger)
{
    /// <summary>
    /// Redis 7.0: taking a lease is <c>SET … NX GET</c> (<c>NX</c> and <c>GET</c> together came in 7.0). Every other command
    /// (<c>PTTL</c>, <c>PEXPIRE</c>, <c>SET … PX</c>, <c>SET … KEEPTTL</c>, <c>UNLINK</c>, scripts) is older. Valkey reports a
    /// Redis-compatible version (7.2.4 for every Valkey so far), so it passes.
    /// </summary>
    public static readonly Version Minimum = new(7, 0);

    private readonly Lock _lock = new();
    private volatile string? _unsupported;

    /// <summary>Why the store cannot use <paramref name="version"/> at <paramref name="endpoint"/>, or null if it can.</summary>
    public static string? Check(string endpoint, Version version) => version >= Minimum
        ? null
        : $"Redis {version} at {endpoint} is older than {Minimum.ToString(2)}, which the Redis session store needs "
            + $"(its lease is taken with SET … NX GET); upgrade Redis to {Minimum.ToString(2)} or later, or use Valkey.";

    /// <summary>Fails an operation while a connected server is too old, with the reason.</summary>
    /// <exception cref="NotSupportedException">A connected server is older than <see cref="Minimum"/>.</exception>
    public void ThrowIfUnsupported()
    {
        if (_unsupported is { } reason)
        {
            throw new NotSupportedException(reason);
        }
    }

    /// <summary>
    /// Checks every server <paramref name="connection"/> is connected to, as it connects and after each reconnection (the
    /// server may have been replaced meanwhile); logs a server found too old once, until the check passes again.
    /// </summary>
    public void CheckServers(IConnectionMultiplexer connection, Func<System.Net.EndPoint, string> describe)
    {
        lock (_lock)
        {
            var reason = connection.GetServers()
                .Where(server => server.IsConnected)
                .Select(server => Check(describe(server.EndPoint), server.Version))
                .FirstOrDefault(reason => reason is not null);
            if (reason is not null && reason != _unsupported)
            {
                logger.UnsupportedServer(reason);
            }

            _unsupported = reason;
        }
    }
}
