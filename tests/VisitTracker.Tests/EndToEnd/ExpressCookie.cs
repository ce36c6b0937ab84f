using System.Security.Cryptography;
using System.Text;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>express-session's cookie value: <c>s:&lt;id&gt;.&lt;HMAC-SHA256, base64 without padding&gt;</c>, URI-encoded.</summary>
internal static class ExpressCookie
{
    /// <summary>Splits <c>connect.sid=s%3A…</c> into the session ID and its signature.</summary>
    public static (string Id, string Signature) Parse(string cookie)
    {
        var value = Uri.UnescapeDataString(cookie["connect.sid=".Length..]);
        Assert.StartsWith("s:", value, StringComparison.Ordinal);
        var dot = value.LastIndexOf('.');
        return (value[2..dot], value[(dot + 1)..]);
    }

    /// <summary>The cookie express-session would send for <paramref name="id"/> signed with <paramref name="secret"/>.</summary>
    public static string Sign(string id, string secret)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(id));
        return "connect.sid=" + Uri.EscapeDataString($"s:{id}.{Convert.ToBase64String(mac).TrimEnd('=')}");
    }
}
