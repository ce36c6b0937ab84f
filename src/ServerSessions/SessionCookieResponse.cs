using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ServerSessions;

/// <summary>Puts the session cookie a commit decided on into the response's <c>Set-Cookie</c> headers.</summary>
internal static class SessionCookieResponse
{
    /// <summary>
    /// Sends or clears the cookie, replacing the one an earlier commit of this request sent (<paramref name="sent"/>), and
    /// returns the value now sent. Nothing is sent once the response has started, nor a Secure cookie over plain HTTP.
    /// </summary>
    public static string? Write(HttpContext context, SessionRuntime runtime, CookieStep step, string id, DateTimeOffset? expires, string? sent)
    {
        var response = context.Response;
        if (step == CookieStep.None || response.HasStarted)
        {
            return sent;
        }

        var options = runtime.Options;
        var https = context.Request.IsHttps;
        var secure = options.Cookie.Secure switch
        {
            CookieSecure.True => true,
            CookieSecure.Auto => https,
            _ => false,
        };
        var sameSite = options.Cookie.SameSite == CookieSameSite.Auto
            ? (https ? CookieSameSite.None : CookieSameSite.Lax)
            : options.Cookie.SameSite;
        if (step == CookieStep.Send && secure && !https)
        {
            runtime.WarnSecureCookieOverHttpOnce();
            return sent;
        }

        var header = step == CookieStep.Send
            ? SessionCookieWriter.Format(options.Name, runtime.Signer, id, options.Cookie, expires, secure, sameSite)
            : SessionCookieWriter.FormatCleared(options.Name, options.Cookie, secure, sameSite);
        if (header == sent)
        {
            return sent;
        }

        var headers = response.Headers;
        if (sent is not null)
        {
            // A later commit of this request replaces the cookie an earlier one set (e.g. TempData written after the result).
            headers.SetCookie = new([.. headers.SetCookie.Where(v => v != sent)]);
        }

        headers.Append(HeaderNames.SetCookie, header);
        return header;
    }
}
