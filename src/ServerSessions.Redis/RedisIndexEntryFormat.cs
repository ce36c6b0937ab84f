using System.Text.Json;

namespace ServerSessions.Redis;

/// <summary>
/// How an index entry is stored as a field's value in a user's index hash: a small JSON object, readable with
/// <c>redis-cli</c>, instants in Unix milliseconds:
/// <c>{"lastSeen":1764700000000,"expires":1764786400000,"userAgent":"Mozilla/5.0 …","clientAddress":"203.0.113.7"}</c>
/// (<c>userAgent</c> and <c>clientAddress</c> left out when unknown).
/// </summary>
internal static class RedisIndexEntryFormat
{
    public static byte[] ToStored(SessionIndexEntry entry)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("lastSeen", entry.LastSeen.ToUnixTimeMilliseconds());
            json.WriteNumber("expires", entry.Expires.ToUnixTimeMilliseconds());
            if (entry.UserAgent is not null)
            {
                json.WriteString("userAgent", entry.UserAgent);
            }

            if (entry.ClientAddress is not null)
            {
                json.WriteString("clientAddress", entry.ClientAddress);
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The entry stored in <paramref name="value"/>, or null for a value that is not one (written by something else).</summary>
    public static SessionIndexEntry? FromStored(ReadOnlySpan<byte> value)
    {
        long? lastSeen = null, expires = null;
        string? userAgent = null, clientAddress = null;
        try
        {
            var json = new Utf8JsonReader(value);
            if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
            {
                var name = json.GetString();
                json.Read();
                switch (name)
                {
                    case "lastSeen":
                        lastSeen = json.GetInt64();
                        break;
                    case "expires":
                        expires = json.GetInt64();
                        break;
                    case "userAgent":
                        userAgent = json.GetString();
                        break;
                    case "clientAddress":
                        clientAddress = json.GetString();
                        break;
                    default:
                        json.Skip();
                        break;
                }
            }

            return lastSeen is { } seen && expires is { } until
                ? new SessionIndexEntry(DateTimeOffset.FromUnixTimeMilliseconds(seen), DateTimeOffset.FromUnixTimeMilliseconds(until), userAgent, clientAddress)
                : null;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
