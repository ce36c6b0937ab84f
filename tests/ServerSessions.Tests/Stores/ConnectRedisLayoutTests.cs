using System.Text;
using System.Text.Json;
using ServerSessions.Redis;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// The translation between ServerSessions' payload and connect-redis's value, checked against the JSON express-session
/// writes (session/cookie.js <c>data</c>, serialized by connect-redis with <c>JSON.stringify</c>).
/// </summary>
public sealed class ConnectRedisLayoutTests
{
    private static readonly DateTimeOffset Expires = new(2026, 11, 28, 9, 30, 15, 123, TimeSpan.Zero);

    [Fact]
    public void DefaultCookie_IsExpressSessionsDefaultEnvelope_First()
    {
        var stored = Write(new SessionCookieOptions(), """{"visits":3,"__created":1764201600000}""");

        Assert.Equal(
            """{"cookie":{"originalMaxAge":null,"expires":null,"secure":false,"httpOnly":true,"path":"/","sameSite":"lax"},"visits":3,"__created":1764201600000}""",
            stored);
    }

    [Fact]
    public void CookieWithMaxAge_CarriesOriginalMaxAgeInMilliseconds_AndTheExpiryAsJavaScriptDates()
    {
        var stored = Write(new SessionCookieOptions { MaxAge = TimeSpan.FromDays(30) }, """{"visits":3,"__created":1764201600000}""");

        Assert.Equal(
            """{"cookie":{"originalMaxAge":2592000000,"expires":"2026-11-28T09:30:15.123Z","secure":false,"httpOnly":true,"path":"/","sameSite":"lax"},"visits":3,"__created":1764201600000}""",
            stored);
    }

    [Fact]
    public void ConfiguredAttributes_AreWrittenInExpressSessionsOrder_AndUnsetOnesLeftOut()
    {
        var cookie = new SessionCookieOptions
        {
            Path = "/app",
            Domain = "example.com",
            HttpOnly = false,
            Secure = CookieSecure.True,
            SameSite = CookieSameSite.Strict,
            Priority = CookiePriority.High,
            Partitioned = true,
        };

        var stored = Write(cookie, "{}");

        Assert.Equal(
            """{"cookie":{"originalMaxAge":null,"partitioned":true,"priority":"high","expires":null,"secure":true,"httpOnly":false,"domain":"example.com","path":"/app","sameSite":"strict"}}""",
            stored);
    }

    [Theory]
    [InlineData(CookieSameSite.Unspecified, CookieSecure.False, "\"secure\":false,\"httpOnly\":true,\"path\":\"/\"}")]
    [InlineData(CookieSameSite.None, CookieSecure.True, "\"secure\":true,\"httpOnly\":true,\"path\":\"/\",\"sameSite\":\"none\"}")]
    [InlineData(CookieSameSite.Auto, CookieSecure.Auto, "\"secure\":true,\"httpOnly\":true,\"path\":\"/\",\"sameSite\":\"none\"}")]
    public void SameSiteAndSecure_AreExpressValues_AutoAsOnHttps(CookieSameSite sameSite, CookieSecure secure, string tail)
    {
        var stored = Write(new SessionCookieOptions { SameSite = sameSite, Secure = secure }, "{}");

        Assert.EndsWith(tail + "}", stored, StringComparison.Ordinal);
    }

    [Fact]
    public void SessionMaxAge_IsTheEnvelopesOriginalMaxAge_AndReadsBackAsTheSameOverride()
    {
        var layout = new ConnectRedisLayout(new SessionCookieOptions());
        const string payload = """{"visits":1,"__created":1764201600000,"__maxAge":600000}""";

        var stored = Text(layout.ToStored(Bytes(payload), Expires));

        Assert.Equal(
            """{"cookie":{"originalMaxAge":600000,"expires":"2026-11-28T09:30:15.123Z","secure":false,"httpOnly":true,"path":"/","sameSite":"lax"},"visits":1,"__created":1764201600000}""",
            stored);
        Assert.Equal(payload, Text(layout.FromStored(Bytes(stored))));
    }

    [Fact]
    public void SessionWithoutMaxAge_UnderAConfiguredMaxAge_IsANullOriginalMaxAge_AndReadsBackAsNone()
    {
        var layout = new ConnectRedisLayout(new SessionCookieOptions { MaxAge = TimeSpan.FromDays(1) });
        const string payload = """{"visits":1,"__created":1764201600000,"__maxAge":0}""";

        var stored = Text(layout.ToStored(Bytes(payload), Expires));

        Assert.StartsWith("""{"cookie":{"originalMaxAge":null,"expires":null,""", stored, StringComparison.Ordinal);
        Assert.Equal(payload, Text(layout.FromStored(Bytes(stored))));
    }

    [Fact]
    public void PayloadWithoutOverride_ReadsBackByteForByte()
    {
        var layout = new ConnectRedisLayout(new SessionCookieOptions { MaxAge = TimeSpan.FromHours(1), Domain = "example.com" });
        const string payload = """{"user":{"name":"Zoë \"Z\"","roles":["a","b"]},"n":1.50,"s":"\u00e9<>","__created":1764201600000}""";

        Assert.Equal(payload, Text(layout.FromStored(layout.ToStored(Bytes(payload), Expires))));
    }

    [Fact]
    public void ValueAsConnectRedisWritesIt_LoadsWithoutTheCookie_AndItsMaxAgeAsTheOverride()
    {
        // JSON.stringify(req.session) for an express-session app with cookie: { maxAge: 86400000 }.
        const string stored =
            """{"cookie":{"originalMaxAge":86400000,"expires":"2026-11-28T09:30:15.123Z","secure":false,"httpOnly":true,"path":"/"},"visits":5,"user":{"id":7}}""";

        Assert.Equal("""{"visits":5,"user":{"id":7},"__maxAge":86400000}""", Text(new ConnectRedisLayout(new SessionCookieOptions()).FromStored(Bytes(stored))));
        Assert.Equal(
            """{"visits":5,"user":{"id":7}}""",
            Text(new ConnectRedisLayout(new SessionCookieOptions { MaxAge = TimeSpan.FromDays(1) }).FromStored(Bytes(stored))));
    }

    [Fact]
    public void CookieAnywhereInTheValue_IsTheEnvelope()
    {
        const string stored = """{"visits":5,"cookie":{"path":"/","originalMaxAge":null,"nested":{"originalMaxAge":5}},"__created":1}""";

        Assert.Equal("""{"visits":5,"__created":1}""", Text(new ConnectRedisLayout(new SessionCookieOptions()).FromStored(Bytes(stored))));
    }

    [Fact]
    public void LoadedValue_ParsesAsAServerSessionsPayload()
    {
        const string stored = """{"cookie":{"originalMaxAge":3600000,"expires":"2026-11-28T09:30:15.123Z","httpOnly":true,"path":"/"},"visits":5}""";

        var payload = SessionPayload.Parse(new ConnectRedisLayout(new SessionCookieOptions()).FromStored(Bytes(stored)).Span);

        Assert.Equal("5", Encoding.UTF8.GetString(payload.Values["visits"]));
        Assert.Equal(3600000, payload.MaxAgeMs);
        Assert.Single(payload.Values);
    }

    [Fact]
    public void SessionValueNamedCookie_IsRefused()
    {
        var layout = new ConnectRedisLayout(new SessionCookieOptions());

        var error = Assert.Throws<SessionDataException>(() => layout.ToStored(Bytes("""{"cookie":"yum","__created":1}"""), Expires));

        Assert.Contains("'cookie'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("{\"a\":1} trailing")]
    [InlineData("{\"a\":")]
    public void PayloadThatIsNotAJsonObject_IsStoredAsItIs_AndReadBackAsItIs(string payload)
    {
        var layout = new ConnectRedisLayout(new SessionCookieOptions());

        var stored = layout.ToStored(Bytes(payload), Expires);

        Assert.Equal(payload, Text(stored));
        Assert.Equal(payload, Text(layout.FromStored(stored)));
    }

    [Fact]
    public void StoredJsonObjectWithoutCookie_IsReturnedAsItIs()
    {
        const string stored = """{ "visits" : 2 }""";

        Assert.Equal(stored, Text(new ConnectRedisLayout(new SessionCookieOptions()).FromStored(Bytes(stored))));
    }

    [Fact]
    public void StoredValue_IsValidJsonThatExpressCanParse()
    {
        var stored = Write(new SessionCookieOptions { MaxAge = TimeSpan.FromMinutes(5), Domain = "a\"b" }, """{"x":[1,{"y":null}],"__created":1}""");

        using var document = JsonDocument.Parse(stored);
        var cookie = document.RootElement.GetProperty("cookie");
        Assert.Equal(300000, cookie.GetProperty("originalMaxAge").GetInt64());
        Assert.Equal(Expires, cookie.GetProperty("expires").GetDateTimeOffset());
        Assert.Equal("a\"b", cookie.GetProperty("domain").GetString());
        Assert.Equal(JsonValueKind.Array, document.RootElement.GetProperty("x").ValueKind);
    }

    [Fact]
    public async Task ReadmeExample_IsWhatTheStoreWrites()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "src", "ServerSessions.Redis", "README.md"));

        Assert.Contains(Write(new SessionCookieOptions(), """{"visits":3,"__created":1764201600000}"""), readme, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "ServerSessions.slnx")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException("The repository root (ServerSessions.slnx) is not above the test's folder.");
    }

    private static string Write(SessionCookieOptions cookie, string payload) =>
        Text(new ConnectRedisLayout(cookie).ToStored(Bytes(payload), Expires));

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);
}
