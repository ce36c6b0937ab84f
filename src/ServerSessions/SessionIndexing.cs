using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Http;

namespace ServerSessions;

/// <summary>
/// Keeps the users' session indexes (<see cref="IServerSessionIndexStore"/>) up to date: an entry written at sign-in, and
/// refreshed (last seen, expiry, browser, address) at most once a minute per session and process while the session is
/// in use, which also indexes a sign-in another app (express with Passport) wrote on first sight. An entry outlives its
/// session's expiry, as of its last refresh, by a minute: the session may have been touched since, up to a minute later.
/// </summary>
internal sealed class SessionIndexing(SessionRuntime runtime)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);
    private const int MaxUserAgentChars = 256;
    private const int MaxRemembered = 100_000;

    // When each session's entry was last written by this process (Unix ms). A hint only: forgetting it costs one write.
    private readonly ConcurrentDictionary<string, long> _refreshed = new(StringComparer.Ordinal);

    /// <summary>The store's index, or <see langword="null"/> when it keeps none.</summary>
    public IServerSessionIndexStore? Index { get; } = runtime.Store as IServerSessionIndexStore;

    /// <summary>Indexes a session that just signed in; a failure fails the sign-in (a 503), which stores nothing.</summary>
    public async ValueTask SignedInAsync(HttpContext context, string user, string id, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        if (Index is not null)
        {
            await WriteAsync(context, user, id, expires, cancellationToken);
        }
    }

    /// <summary>
    /// Refreshes the entry of a signed-in session seen in use, unless this process did within the last minute. A failure
    /// is logged, not thrown: the request goes on, and the next one tries again.
    /// </summary>
    public async ValueTask SeenAsync(HttpContext context, string user, string id, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        if (Index is null
            || (_refreshed.TryGetValue(id, out var at) && runtime.Time.GetUtcNow().ToUnixTimeMilliseconds() - at < (long)RefreshInterval.TotalMilliseconds))
        {
            return;
        }

        try
        {
            await WriteAsync(context, user, id, expires, cancellationToken);
        }
        catch (SessionStoreException ex)
        {
            runtime.Logger.IndexNotUpdated(ex, new SessionLogId(id));
        }
    }

    /// <summary>Removes a session that is gone from its user's index.</summary>
    public ValueTask RemoveAsync(string user, string id, CancellationToken cancellationToken)
    {
        _refreshed.TryRemove(id, out _);
        return Index is null
            ? ValueTask.CompletedTask
            : runtime.GuardedStore.CallAsync(static (s, ct) => s.Index.RemoveAsync(s.User, s.Id, ct), (Index, User: user, Id: id), StoreOperation.IndexRemove, cancellationToken);
    }

    private async ValueTask WriteAsync(HttpContext context, string user, string id, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        var now = runtime.Time.GetUtcNow();
        var userAgent = context.Request.Headers.UserAgent.ToString();
        var entry = new SessionIndexEntry(
            now,
            expires + RefreshInterval,
            userAgent.Length == 0 ? null : userAgent[..Math.Min(userAgent.Length, MaxUserAgentChars)],
            Address(context.Connection.RemoteIpAddress));
        await runtime.GuardedStore.CallAsync(
            static (s, ct) => s.Index.IndexAsync(s.User, s.Id, s.Entry, ct), (Index: Index!, User: user, Id: id, Entry: entry), StoreOperation.IndexWrite, cancellationToken);
        if (_refreshed.Count >= MaxRemembered)
        {
            _refreshed.Clear();
        }

        _refreshed[id] = now.ToUnixTimeMilliseconds();
    }

    private static string? Address(IPAddress? address) =>
        address is null ? null : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}
