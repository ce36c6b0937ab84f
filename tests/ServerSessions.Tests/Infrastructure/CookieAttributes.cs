using System.Globalization;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>Reads the attributes of a <c>Set-Cookie</c> header, as express-session's tests do with their parseSetCookie.</summary>
internal static class CookieAttributes
{
    /// <summary>Attribute names (case-insensitive) to values; flags such as <c>HttpOnly</c> map to an empty string.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string setCookie)
    {
        var attributes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in setCookie.Split(';').Skip(1))
        {
            var attribute = part.Trim();
            var eq = attribute.IndexOf('=', StringComparison.Ordinal);
            attributes[eq < 0 ? attribute : attribute[..eq]] = eq < 0 ? string.Empty : attribute[(eq + 1)..];
        }

        return attributes;
    }

    /// <summary>The attributes of the response's cookie of that name; fails the test when there is none.</summary>
    public static IReadOnlyDictionary<string, string> Of(HttpResponseMessage response, string name = "connect.sid") =>
        Parse(SetCookies.Find(response, name) ?? throw new Xunit.Sdk.XunitException($"The response set no '{name}' cookie."));

    /// <summary>The cookie's <c>Expires</c>; fails the test when it has none.</summary>
    public static DateTimeOffset Expires(HttpResponseMessage response, string name = "connect.sid") =>
        Of(response, name).TryGetValue("Expires", out var expires)
            ? DateTimeOffset.ParseExact(expires, "R", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
            : throw new Xunit.Sdk.XunitException($"The '{name}' cookie has no Expires.");
}
