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
    public static string? Find(StringValues cookieHeaders, string name)
    {
        return cookieHeaders.Count switch
        {
            0 => null,
            1 => Find(cookieHeaders[0].AsSpan(), name),
            _ => Find(string.Join("; ", cookieHeaders.ToArray()).AsSpan(), name),
        };
    }

    public static string? Find(ReadOnlySpan<char> header, string name)
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
                var value = Trim(rest[(eq + 1)..end]);
                if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
                {
                    value = value[1..^1];
                }

                return PercentDecoding.TryDecode(value);
            }

            index += end + 1;
        }

        return null;
    }

    private static ReadOnlySpan<char> Trim(ReadOnlySpan<char> span) => span.Trim(" \t");
}
