using System.Text;
using System.Text.Json;

namespace ServerSessions;

/// <summary>
/// <see cref="Microsoft.AspNetCore.Http.ISession"/> speaks bytes, the session JSON. Bytes that are UTF-8 text
/// (<c>SetString</c>, TempData's JSON) are kept as a JSON string, so <c>Get&lt;string&gt;</c> reads them; anything else as
/// <c>{"$binary": base64}</c>. A typed value reads back as its JSON text.
/// </summary>
internal static class SessionBytes
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public static byte[] ToJson(byte[] value)
    {
        try
        {
            return JsonSerializer.SerializeToUtf8Bytes(StrictUtf8.GetString(value));
        }
        catch (DecoderFallbackException)
        {
            return JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["$binary"] = Convert.ToBase64String(value) });
        }
    }

    public static byte[] FromJson(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return Encoding.UTF8.GetBytes(reader.GetString()!);
        }

        if (reader.TokenType == JsonTokenType.StartObject
            && JsonSerializer.Deserialize<Dictionary<string, string>>(json) is { Count: 1 } binary
            && binary.TryGetValue("$binary", out var base64))
        {
            return Convert.FromBase64String(base64);
        }

        return json;
    }
}
