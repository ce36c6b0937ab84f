using System.Text.Json;

namespace ServerSessions;

/// <summary>
/// Where Passport keeps the signed-in user in an express session, and so where the session authentication scheme keeps
/// it: <c>passport: { user: &lt;the serialized user&gt; }</c>. The serialized user is a string here (a name or an id);
/// one an express app serialized as a JSON number reads as its digits. Anything else there means nobody is signed in.
/// </summary>
internal static class PassportUser
{
    public const string Key = "passport";

    /// <summary>The serialized user in a session's <c>passport</c> value, if it holds one.</summary>
    public static string? Read(Dictionary<string, byte[]> values) =>
        values.TryGetValue(Key, out var json) ? Read(json) : null;

    public static string? Read(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("user", out var user))
            {
                return null;
            }

            var value = user.ValueKind switch
            {
                JsonValueKind.String => user.GetString(),
                JsonValueKind.Number => user.GetRawText(),
                _ => null,
            };
            return string.IsNullOrEmpty(value) ? null : value;
        }
        catch (JsonException)
        {
            return null; // written by someone else, in a shape Passport never writes: nobody is signed in
        }
    }

    /// <summary>The <c>passport</c> value for <paramref name="user"/>.</summary>
    public static byte[] Write(string user) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["user"] = user });
}
