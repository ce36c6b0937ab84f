namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// Cookies and headers no browser sends. The app must answer 200 with a fresh session, or reject the request with
/// 400 or 431; never a 5xx, and never a session it did not issue.
/// </summary>
public sealed class HostileRequestTests
{
    public static TheoryData<string, string[]> BadCookies => new()
    {
        { "garbage", ["Cookie: connect.sid=garbage"] },
        { "empty", ["Cookie: connect.sid="] },
        { "prefix only", ["Cookie: connect.sid=s%3A"] },
        { "unsigned", ["Cookie: connect.sid=s%3AKq3Ws6vR1yO0x5VQy0wM0c3Vl3p9XkQe"] },
        { "unprefixed id", ["Cookie: connect.sid=Kq3Ws6vR1yO0x5VQy0wM0c3Vl3p9XkQe"] },
        { "bad signature", ["Cookie: connect.sid=s%3AKq3Ws6vR1yO0x5VQy0wM0c3Vl3p9XkQe.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] },
        { "invalid percent-encoding", ["Cookie: connect.sid=s%3A%ZZ%E0%A4%A.%"] },
        { "percent-encoded NUL and overlong UTF-8", ["Cookie: connect.sid=s%3A%00%C0%AF.%FF%FE"] },
        { "quoted", ["Cookie: connect.sid=\"s%3Aabc.def\""] },
        { "8 KB", [$"Cookie: connect.sid=s%3A{new string('A', 8 * 1024)}.{new string('B', 43)}"] },
        { "many cookies", [$"Cookie: {string.Join("; ", Enumerable.Range(0, 400).Select(i => $"c{i}={i}"))}; connect.sid=x"] },
        { "junk separators", ["Cookie: ;;; =; connect.sid; ==; connect.sid=="] },
        { "duplicated headers", Enumerable.Range(0, 40).Select(i => $"Cookie: connect.sid=s%3Aid{i}.sig{i}").ToArray() },
        { "garbage forwarded headers", ["X-Forwarded-For: not-an-ip, , ::::, 999.1.1.1", "X-Forwarded-Proto: javascript"] },
    };

    public static TheoryData<string, string[]> OversizedOrMalformed => new()
    {
        { "too many duplicated cookie headers", Enumerable.Range(0, 150).Select(i => $"Cookie: connect.sid=s%3Aid{i}.sig{i}").ToArray() },
        { "64 KB cookie", [$"Cookie: connect.sid=s%3A{new string('A', 64 * 1024)}.sig"] },
        { "very long header", [$"X-Long: {new string('x', 64 * 1024)}"] },
        { "raw non-ASCII and control bytes", ["Cookie: connect.sid=s%3A\u00ff\u00fe\u0001\u007f.sig"] },
        { "NUL byte", ["Cookie: connect.sid=s%3Aab\0cd.sig"] },
        { "header without colon", ["Cookie connect.sid=x"] },
    };

    [Theory]
    [MemberData(nameof(BadCookies))]
    public async Task BadCookie_StartsFreshSession(string name, string[] headers)
    {
        await using var app = await VisitTrackerProcess.StartAsync();

        var response = await RawHttp.GetAsync(app.BaseAddress, headers);

        Assert.True(response.Status == 200, $"{name}: {response.Status}\n{app.Output}");
        Assert.Equal(1, Visitor.CountIn(response.Body));
        Assert.Single(response.HeaderValues("Set-Cookie"), c => c.StartsWith("connect.sid=s%3A", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(OversizedOrMalformed))]
    public async Task OversizedOrMalformedRequest_IsRejectedOrFresh(string name, string[] headers)
    {
        await using var app = await VisitTrackerProcess.StartAsync();

        var response = await RawHttp.GetAsync(app.BaseAddress, headers);

        Assert.True(response.Status is 200 or 400 or 431, $"{name}: {response.Status}\n{app.Output}");
        if (response.Status == 200)
        {
            Assert.Equal(1, Visitor.CountIn(response.Body));
        }

        using var visitor = new Visitor(app);
        Assert.Equal(1, await visitor.VisitAsync());
    }

    [Fact]
    public async Task TamperedCookie_StartsFreshSession_RealOneCountsOn()
    {
        await using var app = await VisitTrackerProcess.StartAsync();
        using var visitor = new Visitor(app);
        await visitor.VisitAsync();
        Assert.Equal(2, await visitor.VisitAsync());
        var real = visitor.Cookie!;
        var (id, signature) = ExpressCookie.Parse(real);

        var tampered = new[]
        {
            $"connect.sid={Uri.EscapeDataString($"s:{id}.{(signature[0] == 'A' ? 'B' : 'A')}{signature[1..]}")}",
            $"connect.sid={Uri.EscapeDataString($"s:{id}.{signature[..^1]}")}",
            $"connect.sid={Uri.EscapeDataString($"s:{id}")}",
            $"connect.sid={id}",
            $"connect.sid={Uri.EscapeDataString($"s:{id[..^1]}{(id[^1] == 'a' ? 'b' : 'a')}.{signature}")}",
            ExpressCookie.Sign(id, "my-secret"),
        };
        foreach (var cookie in tampered)
        {
            var response = await RawHttp.GetAsync(app.BaseAddress, $"Cookie: {cookie}");
            Assert.True(response.Status == 200, $"{cookie}: {response.Status}");
            Assert.Equal(1, Visitor.CountIn(response.Body));
            Assert.DoesNotContain(response.HeaderValues("Set-Cookie"), c => c.StartsWith(real, StringComparison.Ordinal));
        }

        Assert.Equal(3, await visitor.VisitAsync());
        Assert.Equal(real, visitor.Cookie);
    }

    [Fact]
    public async Task DuplicatedCookieHeaders_WithTheRealOne_NeverFail()
    {
        await using var app = await VisitTrackerProcess.StartAsync();
        using var visitor = new Visitor(app);
        await visitor.VisitAsync();

        var headers = Enumerable.Range(0, 20).Select(i => $"Cookie: connect.sid=s%3Aforged{i}.sig").Append($"Cookie: {visitor.Cookie}");
        var response = await RawHttp.GetAsync(app.BaseAddress, headers);

        Assert.True(response.Status is 200 or 400, $"{response.Status}");
        // Whether or not that request found the real session among the forged ones, the session is intact.
        var counted = response.Status == 200 && Visitor.CountIn(response.Body) == 2;
        Assert.Equal(counted ? 3 : 2, await visitor.VisitAsync());
    }
}
