using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ServerSessions.Redis;

/// <summary>
/// Translates between the payload ServerSessions stores (<c>{"visits":3,"__created":…,"__maxAge":…}</c>) and the value
/// connect-redis stores for express-session: the same JSON object with express-session's <c>cookie</c> object first,
/// <c>{"cookie":{"originalMaxAge":null,"expires":null,"secure":false,"httpOnly":true,"path":"/","sameSite":"lax"},"visits":3,"__created":…}</c>.
/// </summary>
/// <remarks>
/// Members are copied as their raw bytes, never re-serialized. The envelope's attributes come from the configured
/// cookie; <c>originalMaxAge</c> carries the session's <c>__maxAge</c> override (which is not kept beside it), and
/// reading maps an <c>originalMaxAge</c> other than the configured MaxAge back into <c>__maxAge</c>. A payload that is
/// not a JSON object (ServerSessions never writes one) is stored as it is, and a stored value without a <c>cookie</c>
/// member is returned as it is.
/// </remarks>
internal sealed class ConnectRedisLayout
{
    private const string CookieKey = "cookie";
    private const string MaxAgeKey = "__maxAge"; // ServerSessions' payload member for a per-session MaxAge
    private static readonly byte[] OpenCookie = "{\"cookie\":{\"originalMaxAge\":"u8.ToArray();
    private static readonly byte[] MaxAgeMember = "\"__maxAge\":"u8.ToArray();
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    private readonly long? _defaultMaxAgeMs;

    // The cookie object around its two variable members, in express-session's order (session/cookie.js `data`):
    // originalMaxAge, partitioned, priority, expires, secure, httpOnly, domain, path, sameSite; unset ones are left out,
    // as JSON.stringify leaves out undefined.
    private readonly byte[] _beforeExpires;
    private readonly byte[] _afterExpires;

    public ConnectRedisLayout(SessionCookieOptions cookie)
    {
        ArgumentNullException.ThrowIfNull(cookie);
        _defaultMaxAgeMs = cookie.MaxAge is { } maxAge ? (long)maxAge.TotalMilliseconds : null;

        var before = new StringBuilder();
        if (cookie.Partitioned)
        {
            before.Append(",\"partitioned\":true");
        }

        if (cookie.Priority != CookiePriority.Unspecified)
        {
            before.Append(",\"priority\":").Append(Quote(cookie.Priority.ToString().ToLowerInvariant()));
        }

        before.Append(",\"expires\":");
        _beforeExpires = Encoding.UTF8.GetBytes(before.ToString());

        // Auto attributes are written as express-session writes them for an HTTPS request: the store cannot see the
        // request, and the secure reading is the safe one for an express app that re-sets the cookie.
        var after = new StringBuilder();
        after.Append(",\"secure\":").Append(cookie.Secure == CookieSecure.False ? "false" : "true");
        after.Append(",\"httpOnly\":").Append(cookie.HttpOnly ? "true" : "false");
        if (!string.IsNullOrEmpty(cookie.Domain))
        {
            after.Append(",\"domain\":").Append(Quote(cookie.Domain));
        }

        after.Append(",\"path\":").Append(Quote(cookie.Path));
        var sameSite = cookie.SameSite switch
        {
            CookieSameSite.Lax => "lax",
            CookieSameSite.Strict => "strict",
            CookieSameSite.None or CookieSameSite.Auto => "none",
            _ => null,
        };
        if (sameSite is not null)
        {
            after.Append(",\"sameSite\":").Append(Quote(sameSite));
        }

        after.Append('}');
        _afterExpires = Encoding.UTF8.GetBytes(after.ToString());
    }

    /// <summary>The value to store for <paramref name="payload"/>, which expires at <paramref name="expires"/>.</summary>
    /// <exception cref="SessionDataException">The session has a value named <c>cookie</c>, which the layout reserves.</exception>
    public ReadOnlyMemory<byte> ToStored(ReadOnlyMemory<byte> payload, DateTimeOffset expires)
    {
        if (!TryReadObject(payload.Span, out var members))
        {
            return payload;
        }

        var span = payload.Span;
        var maxAgeMs = OriginalMaxAge(members, span);
        var bodyLength = 0;
        foreach (var member in members)
        {
            if (member.Is(CookieKey))
            {
                throw new SessionDataException(
                    "The session has a value named 'cookie', which the Redis store's layout (connect-redis's) reserves for " +
                    "express-session's cookie; use another name.");
            }

            if (!member.Is(MaxAgeKey))
            {
                bodyLength += 1 + member.Length;
            }
        }

        var buffer = new ArrayBufferWriter<byte>(OpenCookie.Length + 96 + _beforeExpires.Length + _afterExpires.Length + bodyLength + 1);
        buffer.Write(OpenCookie);
        if (maxAgeMs is { } originalMaxAge)
        {
            WriteNumber(buffer, originalMaxAge);
        }
        else
        {
            buffer.Write("null"u8);
        }

        buffer.Write(_beforeExpires);
        if (maxAgeMs is not null)
        {
            // JavaScript's Date.prototype.toJSON: ISO 8601 in UTC with milliseconds, formatted straight into the value.
            buffer.Write("\""u8);
            expires.UtcDateTime.TryFormat(buffer.GetSpan(32), out var written, "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture);
            buffer.Advance(written);
            buffer.Write("\""u8);
        }
        else
        {
            buffer.Write("null"u8);
        }

        buffer.Write(_afterExpires);
        foreach (var member in members)
        {
            if (!member.Is(MaxAgeKey))
            {
                buffer.Write(","u8);
                buffer.Write(span.Slice(member.Start, member.Length));
            }
        }

        buffer.Write("}"u8);
        return buffer.WrittenMemory;
    }

    /// <summary>
    /// What a touch checks a stored value against (<see cref="RedisScripts.Touch"/>), so that it moves the expiry only while
    /// Redis holds what <paramref name="payload"/> was read from or written as: the cookie's <c>originalMaxAge</c> as
    /// <see cref="ToStored"/> writes it, and the SHA-1 (hex) of everything after the cookie object. The cookie's
    /// <c>expires</c> and other attributes are not compared (they follow the expiry and the configuration, not the session).
    /// A payload that is not a JSON object is stored as it is, so it is compared whole: an empty <c>OriginalMaxAge</c>.
    /// <see langword="null"/> for a payload with a <c>cookie</c> member, which is never stored.
    /// </summary>
    public (string OriginalMaxAge, string Sha1)? TouchCondition(ReadOnlyMemory<byte> payload)
    {
        var span = payload.Span;
        if (!TryReadObject(span, out var members))
        {
            return (string.Empty, Convert.ToHexStringLower(SHA1.HashData(span)));
        }

        if (members.Exists(member => member.Is(CookieKey)))
        {
            return null;
        }

        var rest = new ArrayBufferWriter<byte>(payload.Length + 1);
        foreach (var member in members)
        {
            if (!member.Is(MaxAgeKey))
            {
                rest.Write(","u8);
                rest.Write(span.Slice(member.Start, member.Length));
            }
        }

        rest.Write("}"u8);
        var originalMaxAge = OriginalMaxAge(members, span) is { } ms ? ms.ToString(CultureInfo.InvariantCulture) : "null";
        return (originalMaxAge, Convert.ToHexStringLower(SHA1.HashData(rest.WrittenSpan)));
    }

    /// <summary>The payload for a stored value.</summary>
    public ReadOnlyMemory<byte> FromStored(ReadOnlyMemory<byte> stored)
    {
        var span = stored.Span;
        if (!TryReadObject(span, out var members) || !members.Exists(member => member.Is(CookieKey)))
        {
            return stored;
        }

        var originalMaxAge = members.Find(member => member.Is(CookieKey)).ReadOriginalMaxAge(span);
        long? overrideMs = originalMaxAge == _defaultMaxAgeMs ? null : Math.Max(originalMaxAge ?? 0, 0);

        var buffer = new ArrayBufferWriter<byte>(stored.Length + 32);
        buffer.Write("{"u8);
        var first = true;
        foreach (var member in members)
        {
            if (member.Is(CookieKey) || member.Is(MaxAgeKey))
            {
                continue;
            }

            if (!first)
            {
                buffer.Write(","u8);
            }

            buffer.Write(span.Slice(member.Start, member.Length));
            first = false;
        }

        if (overrideMs is { } ms)
        {
            if (!first)
            {
                buffer.Write(","u8);
            }

            buffer.Write(MaxAgeMember);
            WriteNumber(buffer, ms);
        }

        buffer.Write("}"u8);
        return buffer.WrittenMemory;
    }

    // The cookie's originalMaxAge for a payload: its __maxAge override, else the configured MaxAge. ServerSessions writes
    // 0 for "no MaxAge"; express-session writes null.
    private long? OriginalMaxAge(List<Member> members, ReadOnlySpan<byte> payload)
    {
        var maxAge = members.FindLast(member => member.Is(MaxAgeKey));
        return maxAge.Name is null ? _defaultMaxAgeMs : maxAge.ReadInt64(payload) is > 0 and var ms ? ms : null;
    }

    /// <summary>Reads a whole JSON object's members, or says it is not one (not JSON, another JSON value, trailing bytes).</summary>
    private static bool TryReadObject(ReadOnlySpan<byte> json, out List<Member> members)
    {
        members = [];
        var trimmed = json.TrimStart(" \t\r\n"u8);
        if (trimmed.IsEmpty || trimmed[0] != (byte)'{')
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var start = (int)reader.TokenStartIndex;
                var name = reader.GetString()!;
                reader.Read();
                var valueStart = (int)reader.TokenStartIndex;
                reader.Skip();
                members.Add(new Member(name, start, (int)reader.BytesConsumed - start, valueStart));
            }

            return reader.TokenType == JsonTokenType.EndObject && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void WriteNumber(ArrayBufferWriter<byte> buffer, long value)
    {
        var span = buffer.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        buffer.Advance(written);
    }

    private static string Quote(string value) => "\"" + JsonEncodedText.Encode(value) + "\"";

    /// <summary>One member of a JSON object: its name, and where it lies, from the name's opening quote to the end of its value.</summary>
    private readonly record struct Member(string Name, int Start, int Length, int ValueStart)
    {
        public bool Is(string name) => string.Equals(Name, name, StringComparison.Ordinal);

        public long? ReadInt64(ReadOnlySpan<byte> json)
        {
            var reader = ValueReader(json);
            return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : null;
        }

        /// <summary>Reads <c>originalMaxAge</c> from this member's value, an express-session cookie object.</summary>
        public long? ReadOriginalMaxAge(ReadOnlySpan<byte> json)
        {
            var reader = ValueReader(json);
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            var depth = reader.CurrentDepth;
            while (reader.Read() && reader.CurrentDepth > depth)
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("originalMaxAge"u8))
                {
                    reader.Read();
                    return reader.TokenType == JsonTokenType.Number
                        ? (reader.TryGetInt64(out var whole) ? whole : (long)Math.Round(reader.GetDouble()))
                        : null;
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }
            }

            return null;
        }

        private Utf8JsonReader ValueReader(ReadOnlySpan<byte> json)
        {
            var reader = new Utf8JsonReader(json[ValueStart..(Start + Length)], ReaderOptions);
            reader.Read();
            return reader;
        }
    }
}
