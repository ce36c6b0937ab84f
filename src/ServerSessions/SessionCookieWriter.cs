using System.Globalization;
using System.Text;

namespace ServerSessions;

/// <summary>
/// Formats the session's <c>Set-Cookie</c> value as express-session's <c>cookie.serialize</c> does: the signed value
/// percent-encoded, then Domain, Path, Expires, HttpOnly, Secure, Partitioned, Priority and SameSite in that order.
/// </summary>
/// <remarks>Written here rather than with <c>CookieOptions</c> because that type has no <c>Priority</c> and orders
/// attributes differently; the header is what express-session users compare against.</remarks>
internal static class SessionCookieWriter
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    public static string Format(string name, string signedValue, SessionCookieOptions cookie, DateTimeOffset? expires, bool secure, CookieSameSite sameSite)
    {
        var builder = new StringBuilder(160);
        builder.Append(name).Append('=').Append(Uri.EscapeDataString(signedValue));
        AppendAttributes(builder, cookie, expires, secure, sameSite);
        return builder.ToString();
    }

    /// <summary>A cookie that makes the browser drop the session cookie (an empty value that expired in 1970).</summary>
    public static string FormatCleared(string name, SessionCookieOptions cookie, bool secure, CookieSameSite sameSite)
    {
        var builder = new StringBuilder(128);
        builder.Append(name).Append('=');
        AppendAttributes(builder, cookie, Epoch, secure, sameSite);
        return builder.ToString();
    }

    private static void AppendAttributes(StringBuilder builder, SessionCookieOptions cookie, DateTimeOffset? expires, bool secure, CookieSameSite sameSite)
    {
        if (!string.IsNullOrEmpty(cookie.Domain))
        {
            builder.Append("; Domain=").Append(cookie.Domain);
        }

        builder.Append("; Path=").Append(cookie.Path);
        if (expires is { } at)
        {
            builder.Append("; Expires=").Append(at.UtcDateTime.ToString("R", CultureInfo.InvariantCulture));
        }

        if (cookie.HttpOnly)
        {
            builder.Append("; HttpOnly");
        }

        if (secure)
        {
            builder.Append("; Secure");
        }

        if (cookie.Partitioned)
        {
            builder.Append("; Partitioned");
        }

        if (cookie.Priority != CookiePriority.Unspecified)
        {
            builder.Append("; Priority=").Append(cookie.Priority switch
            {
                CookiePriority.Low => "Low",
                CookiePriority.Medium => "Medium",
                _ => "High",
            });
        }

        switch (sameSite)
        {
            case CookieSameSite.Lax:
                builder.Append("; SameSite=Lax");
                break;
            case CookieSameSite.Strict:
                builder.Append("; SameSite=Strict");
                break;
            case CookieSameSite.None:
                builder.Append("; SameSite=None");
                break;
        }
    }
}
