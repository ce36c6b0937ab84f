namespace ServerSessions.Tests.Infrastructure;

/// <summary>Reads session cookies out of responses.</summary>
internal static class SetCookies
{
    public static IReadOnlyList<string> All(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? [.. values] : [];

    /// <summary>The Set-Cookie header for the named cookie, or null.</summary>
    public static string? Find(HttpResponseMessage response, string name = "connect.sid") =>
        All(response).FirstOrDefault(v => v.StartsWith(name + "=", StringComparison.Ordinal));

    /// <summary>The <c>name=value</c> pair to send back, from the response's Set-Cookie for that cookie.</summary>
    public static string Pair(HttpResponseMessage response, string name = "connect.sid") =>
        Find(response, name)?.Split(';')[0] ?? throw new Xunit.Sdk.XunitException($"The response set no '{name}' cookie.");

    /// <summary>The session ID inside a <c>connect.sid=s%3A&lt;id&gt;.&lt;sig&gt;</c> pair.</summary>
    public static string IdOf(string pair)
    {
        var value = Uri.UnescapeDataString(pair[(pair.IndexOf('=') + 1)..]);
        return value[2..value.LastIndexOf('.')];
    }
}
