namespace ServerSessions;

/// <summary>
/// When a session expires: in the store (idle timeout, else the cookie's MaxAge, else a day; never past the cookie),
/// in the browser (the cookie's MaxAge), and for good (<see cref="ServerSessionOptions.AbsoluteTimeout"/>, which caps both).
/// </summary>
internal static class SessionExpiry
{
    /// <summary>The store lifetime of a session without a configured idle timeout or cookie MaxAge.</summary>
    public static TimeSpan DefaultIdleTimeout { get; } = TimeSpan.FromDays(1);

    /// <summary>When the store should drop a session saved or touched at <paramref name="now"/>.</summary>
    public static DateTimeOffset InStore(ServerSessionOptions options, DateTimeOffset now, TimeSpan? maxAge, long createdUnixMs)
    {
        var expires = now + (options.IdleTimeout ?? maxAge ?? DefaultIdleTimeout);
        if (maxAge is { } cookieLifetime && now + cookieLifetime < expires)
        {
            expires = now + cookieLifetime;
        }

        return Capped(options, expires, createdUnixMs);
    }

    /// <summary>The cookie's Expires for a response sent at <paramref name="now"/>; <see langword="null"/> for a browser-session cookie.</summary>
    public static DateTimeOffset? OfCookie(ServerSessionOptions options, DateTimeOffset now, TimeSpan? maxAge, long createdUnixMs) =>
        maxAge is { } lifetime ? Capped(options, now + lifetime, createdUnixMs) : null;

    /// <summary>Whether a session created at <paramref name="createdUnixMs"/> is past the absolute timeout at <paramref name="now"/>.</summary>
    public static bool IsPastAbsoluteTimeout(ServerSessionOptions options, DateTimeOffset now, long createdUnixMs) =>
        options.AbsoluteTimeout is { } absolute && createdUnixMs > 0
        && now >= DateTimeOffset.FromUnixTimeMilliseconds(createdUnixMs) + absolute;

    private static DateTimeOffset Capped(ServerSessionOptions options, DateTimeOffset expires, long createdUnixMs)
    {
        if (options.AbsoluteTimeout is { } absolute)
        {
            var deadline = DateTimeOffset.FromUnixTimeMilliseconds(createdUnixMs) + absolute;
            return deadline < expires ? deadline : expires;
        }

        return expires;
    }
}
