using Microsoft.Extensions.Primitives;

namespace ServerSessions;

/// <summary>
/// Finds one cookie in the raw <c>Cookie</c> header the way Express's <c>cookie</c> package (0.7) parses it: names are
/// case-sensitive, the first occurrence wins, names and values are trimmed of spaces and tabs, one pair of surrounding
/// double quotes is stripped, only <c>;</c> separates pairs, and a value that fails to percent-decode is kept raw.
/// Several <c>Cookie</c> header fields are joined with <c>"; "</c>, as Node joins them.
/// </summary>
/// <remarks>ASP.NET Core's <c>Request.Cookies</c> differs on each of these points, which would change which session a
/// request gets when a browser sends duplicates (e.g. a cookie set for a parent path or domain).</remarks>
internal static class CookieHeaderParser
{
    public static string? Find(StringValues cookieHeaders, string name) =>
        TryFind(cookieHeaders, name, [], out var value) ? value.ToString() : null;

    public static string? Find(ReadOnlySpan<char> header, string name) =>
        TryFind(header, name, [], out var value) ? value.ToString() : null;

    /// <summary>
    /// Finds the cookie's decoded value without allocating for one <c>Cookie</c> field: a slice of the header, or of
    /// <paramref name="scratch"/> when the value had percent-escapes (a new string when it is shorter than the value).
    /// </summary>
    public static bool TryFind(StringValues cookieHeaders, string name, Span<char> scratch, out ReadOnlySpan<char> value)
    {
        switch (cookieHeaders.Count)
        {
            case 0:
                value = default;
                return false;
            case 1:
                return TryFind(cookieHeaders[0].AsSpan(), name, scratch, out value);
            default:
                return TryFind(string.Join("; ", cookieHeaders.ToArray()).AsSpan(), name, scratch, out value);
        }
    }

    public static bool TryFind(ReadOnlySpan<char> header, string name, Span<char> scratch, out ReadOnlySpan<char> value)
    {
        var index = 0;
        var length = header.Length;
        while (index < length)
        {
            var rest = header[index..];
            var eq = rest.IndexOf('=');
            if (eq < 0)
            {
                break; // no pair left
            }

            var end = rest.IndexOf(';');
            if (end < 0)
            {
                end = rest.Length;
            }
            else if (eq > end)
            {
                // A segment without '=': skip to the last ';' before the '=' and read on from there.
                index += rest[..eq].LastIndexOf(';') + 1;
                continue;
            }

            var key = Trim(rest[..eq]);
            if (key.SequenceEqual(name))
            {
                var raw = Trim(rest[(eq + 1)..end]);
                if (raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"')
                {
                    raw = raw[1..^1];
                }

                value = PercentDecoding.TryDecode(raw, scratch);
                return true;
            }

            index += end + 1;
        }

        value = default;
        return false;
    }

    private static ReadOnlySpan<char> Trim(ReadOnlySpan<char> span) => span.Trim(" \t");
}
