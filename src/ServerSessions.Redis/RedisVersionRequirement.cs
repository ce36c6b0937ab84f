using System.Net;

namespace ServerSessions.Redis;

/// <summary>
/// The oldest Redis the store's commands run on, checked against each server it connects to: an older server would
/// answer the lease's first command with a syntax error on every request, which says nothing about the cause.
/// </summary>
internal static class RedisVersionRequirement
{
    /// <summary>
    /// Redis 7.0: taking a lease is <c>SET … NX GET</c> (<c>NX</c> and <c>GET</c> together came in 7.0). Every other command
    /// (<c>PTTL</c>, <c>PEXPIRE</c>, <c>SET … PX</c>, <c>SET … KEEPTTL</c>, <c>UNLINK</c>, scripts) is older. Valkey reports a
    /// Redis-compatible version (7.2.4 for every Valkey so far), so it passes.
    /// </summary>
    public static readonly Version Minimum = new(7, 0);

    /// <summary>Why the store cannot use <paramref name="version"/> at <paramref name="endpoint"/>, or null if it can.</summary>
    public static string? Check(string endpoint, Version version) => version >= Minimum
        ? null
        : $"Redis {version} at {endpoint} is older than {Minimum.ToString(2)}, which the Redis session store needs "
            + "(its lease is taken with SET … NX GET); upgrade Redis to 7.0 or later, or use Valkey.";

    /// <summary>The first reason, among the connected <paramref name="servers"/>, the store cannot use them; null if none.</summary>
    public static string? Check(IEnumerable<(EndPoint Endpoint, Version Version)> servers, Func<EndPoint, string> describe) =>
        servers.Select(server => Check(describe(server.Endpoint), server.Version)).FirstOrDefault(reason => reason is not null);
}
