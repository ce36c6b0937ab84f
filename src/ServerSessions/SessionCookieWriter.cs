using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace ServerSessions;

/// <summary>
/// Formats the session's <c>Set-Cookie</c> value as express-session's <c>cookie.serialize</c> does: the signed value
/// percent-encoded, then Domain, Path, Expires, HttpOnly, Secure, Partitioned, Priority and SameSite in that order.
/// </summary>
/// <remarks>Written here rather than with <c>CookieOptions</c> because that type has no <c>Priority</c> and orders
/// attributes differently; the header is what express-session users compare against. The header is built on the stack
/// (a pooled buffer past 384 characters), so the returned string is its only allocation.</remarks>
internal static class SessionCookieWriter
{
    private const int StackChars = 384;
    private const int SignedStackChars = 768; // a signed ID of up to 146 characters and its escaped form
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    /// <summary>The cookie that carries <paramref name="id"/>, signed by <paramref name="signer"/>.</summary>
    public static string Format(string name, CookieSigner signer, string id, SessionCookieOptions cookie, DateTimeOffset? expires, bool secure, CookieSameSite sameSite)
    {
        var signedLength = CookieSigner.SignedLength(id.Length);
        char[]? rented = null;
        // The signed value, then its percent-encoding: the signature's '+' and '/' (and "s:"'s ':') take three characters.
        var buffer = signedLength * 4 <= SignedStackChars ? stackalloc char[SignedStackChars] : (rented = ArrayPool<char>.Shared.Rent(signedLength * 4));
        try
        {
            var signed = buffer[..signedLength];
            signer.TrySign(id, signed, out _);
            var builder = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[StackChars]);
            builder.AppendLiteral(name);
            builder.AppendLiteral("=");
            if (Uri.TryEscapeDataString(signed, buffer[signedLength..], out var escaped))
            {
                builder.AppendFormatted(buffer.Slice(signedLength, escaped));
            }
            else
            {
                // Only an ID outside ASCII escapes to more than three characters each.
                builder.AppendLiteral(Uri.EscapeDataString(signed));
            }

            AppendAttributes(ref builder, cookie, expires, secure, sameSite);
            return builder.ToStringAndClear();
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>A cookie that makes the browser drop the session cookie (an empty value that expired in 1970).</summary>
    public static string FormatCleared(string name, SessionCookieOptions cookie, bool secure, CookieSameSite sameSite)
    {
        var builder = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[StackChars]);
        builder.AppendLiteral(name);
        builder.AppendLiteral("=");
        AppendAttributes(ref builder, cookie, Epoch, secure, sameSite);
        return builder.ToStringAndClear();
    }

    private static void AppendAttributes(ref DefaultInterpolatedStringHandler builder, SessionCookieOptions cookie, DateTimeOffset? expires, bool secure, CookieSameSite sameSite)
    {
        if (!string.IsNullOrEmpty(cookie.Domain))
        {
            builder.AppendLiteral("; Domain=");
            builder.AppendLiteral(cookie.Domain);
        }

        builder.AppendLiteral("; Path=");
        builder.AppendLiteral(cookie.Path);
        if (expires is { } at)
        {
            builder.AppendLiteral("; Expires=");
            builder.AppendFormatted(at.UtcDateTime, "R");
        }

        if (cookie.HttpOnly)
        {
            builder.AppendLiteral("; HttpOnly");
        }

        if (secure)
        {
            builder.AppendLiteral("; Secure");
        }

        if (cookie.Partitioned)
        {
            builder.AppendLiteral("; Partitioned");
        }

        if (cookie.Priority != CookiePriority.Unspecified)
        {
            builder.AppendLiteral("; Priority=");
            builder.AppendLiteral(cookie.Priority switch
            {
                CookiePriority.Low => "Low",
                CookiePriority.Medium => "Medium",
                _ => "High",
            });
        }

        switch (sameSite)
        {
            case CookieSameSite.Lax:
                builder.AppendLiteral("; SameSite=Lax");
                break;
            case CookieSameSite.Strict:
                builder.AppendLiteral("; SameSite=Strict");
                break;
            case CookieSameSite.None:
                builder.AppendLiteral("; SameSite=None");
                break;
        }
    }
}
