using System.Buffers;
using System.Text.Json;

namespace ServerSessions;

/// <summary>
/// The stored form of a session: one JSON object of the session's values, each kept as its raw JSON so that values a
/// request does not touch are never re-serialized, plus two reserved members, <c>__created</c> (Unix ms, for
/// <see cref="ServerSessionOptions.AbsoluteTimeout"/>) and <c>__maxAge</c> (ms, only when the session overrides the
/// cookie's MaxAge). Example: <c>{"visits":3,"__created":1764201600000}</c>.
/// </summary>
/// <remarks>A struct: each load parses one, and only its values outlive it.</remarks>
internal readonly struct SessionPayload
{
    public const string CreatedKey = "__created";
    public const string MaxAgeKey = "__maxAge";

    private static ReadOnlySpan<byte> CreatedKeyUtf8 => "__created"u8;

    private static ReadOnlySpan<byte> MaxAgeKeyUtf8 => "__maxAge"u8;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    public SessionPayload(Dictionary<string, byte[]> values, long createdUnixMs, long? maxAgeMs)
    {
        Values = values;
        CreatedUnixMs = createdUnixMs;
        MaxAgeMs = maxAgeMs;
    }

    public Dictionary<string, byte[]> Values { get; }

    public long CreatedUnixMs { get; }

    public long? MaxAgeMs { get; }

    /// <summary>
    /// Names a session value may not have: the two metadata members, and <c>cookie</c>, which express-session and the
    /// connect-redis layout use for the cookie's envelope.
    /// </summary>
    public static bool IsReserved(string key) => key is CreatedKey or MaxAgeKey or "cookie";

    /// <summary>The parsed payload, or <see langword="null"/> when it is corrupt (for readers that leave reporting it to the load).</summary>
    public static SessionPayload? TryParse(ReadOnlySpan<byte> json)
    {
        try
        {
            return Parse(json);
        }
        catch (SessionDataException)
        {
            return null;
        }
    }

    public static SessionPayload Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new SessionDataException("The stored session is not a JSON object.");
            }

            var values = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            long created = 0;
            long? maxAge = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // The metadata members are matched as bytes: no key string is allocated for them.
                var member = reader.ValueTextEquals(CreatedKeyUtf8) ? CreatedKey : reader.ValueTextEquals(MaxAgeKeyUtf8) ? MaxAgeKey : ValueNames.Read(ref reader);
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                var raw = json[start..(int)reader.BytesConsumed];
                switch (member)
                {
                    case CreatedKey:
                        // Past this the expiry arithmetic (created + a lifetime) would overflow: a 500 on every request.
                        created = Int64(raw);
                        if (created < 0 || created > MaxCreatedUnixMs)
                        {
                            throw new SessionDataException("The stored session's __created is not a time between 1970 and 9000.");
                        }

                        break;
                    case MaxAgeKey:
                        // Another app (express's originalMaxAge) may have stored any number: held to the cookie lifetime cap.
                        maxAge = Math.Clamp(Int64(raw), 0, MaxMaxAgeMs);
                        break;
                    default:
                        values[member] = raw.ToArray();
                        break;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                throw new SessionDataException("The stored session has trailing content after its JSON object.");
            }

            return new SessionPayload(values, created, maxAge);
        }
        catch (JsonException ex)
        {
            // The reader's own message may quote the payload (a token, a value), which may hold the app's secrets: the
            // reason names only where the JSON broke. Not kept as the inner exception, for the same reason.
            throw new SessionDataException(
                $"The stored session is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1} of the line).");
        }
        catch (InvalidOperationException)
        {
            // A member name that is not valid UTF-8, or a string where a reserved member needs a number.
            throw new SessionDataException("The stored session has a member name that is not valid UTF-8.");
        }
    }

    private static readonly long MaxCreatedUnixMs = new DateTimeOffset(9000, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static readonly long MaxMaxAgeMs = (long)ServerSessionOptionsValidator.MaxLifetime.TotalMilliseconds;

    private static long Int64(ReadOnlySpan<byte> raw)
    {
        var reader = new Utf8JsonReader(raw);
        return reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value)
            ? value
            : throw new SessionDataException("The stored session has a reserved member (__created or __maxAge) that is not an integer.");
    }

    public static byte[] Serialize(Dictionary<string, byte[]> values, long createdUnixMs, long? maxAgeMs)
    {
        // One writer and buffer per thread, reset for each session: the only allocation is the result.
        var writer = t_writer ??= new Utf8JsonWriter(t_buffer = new ArrayBufferWriter<byte>(256), new JsonWriterOptions { SkipValidation = true });
        var buffer = t_buffer!;
        try
        {
            writer.WriteStartObject();
            foreach (var (key, raw) in values)
            {
                writer.WritePropertyName(key);
                writer.WriteRawValue(raw, skipInputValidation: true);
            }

            writer.WriteNumber(CreatedKey, createdUnixMs);
            if (maxAgeMs is { } maxAge)
            {
                writer.WriteNumber(MaxAgeKey, maxAge);
            }

            writer.WriteEndObject();
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            if (buffer.Capacity > 16 * 1024)
            {
                // Don't keep a large session's buffer alive on this thread.
                (t_writer, t_buffer) = (null, null);
            }
            else
            {
                buffer.ResetWrittenCount();
                writer.Reset(buffer);
            }
        }
    }
}
