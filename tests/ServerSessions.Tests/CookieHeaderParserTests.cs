using Microsoft.Extensions.Primitives;

namespace ServerSessions.Tests;

public sealed class CookieHeaderParserTests
{
    [Theory]
    [InlineData("connect.sid=abc", "abc")]
    [InlineData("a=1; connect.sid=abc; b=2", "abc")]
    [InlineData("connect.sid=first; connect.sid=second", "first")]          // the first occurrence wins
    [InlineData("  connect.sid \t=  abc\t ; x=y", "abc")]                  // spaces and tabs trimmed
    [InlineData("connect.sid=\"abc\"", "abc")]                              // one pair of quotes stripped
    [InlineData("connect.sid=\"abc", "\"abc")]                              // an unmatched quote stays
    [InlineData("connect.sid=s%3Aabc.d%2Be", "s:abc.d+e")]                  // percent-decoded
    [InlineData("connect.sid=%E0%A4%A", "%E0%A4%A")]                        // malformed escapes stay raw
    [InlineData("connect.sid=%FF", "%FF")]                                  // invalid UTF-8 stays raw
    [InlineData("connect.sid=a=b=c", "a=b=c")]                              // '=' inside the value
    [InlineData("junk; connect.sid=abc", "abc")]                            // a segment without '=' is skipped
    [InlineData("connect.sid=", "")]
    public void Find_ParsesLikeExpressCookiePackage(string header, string expected)
    {
        Assert.Equal(expected, CookieHeaderParser.Find(header, "connect.sid"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Connect.sid=abc")]      // names are case-sensitive
    [InlineData("connect.sidx=abc")]
    [InlineData("xconnect.sid=abc")]
    [InlineData("connect.sid")]          // no '=' at all
    [InlineData("a=1, connect.sid=abc")] // only ';' separates pairs: this is one pair named 'a'
    public void Find_ReturnsNullWhenAbsent(string header)
    {
        Assert.Null(CookieHeaderParser.Find(header, "connect.sid"));
    }

    [Fact]
    public void Find_JoinsSeveralCookieHeaderFields_FirstWins()
    {
        var headers = new StringValues(["a=1", "connect.sid=one", "connect.sid=two"]);
        Assert.Equal("one", CookieHeaderParser.Find(headers, "connect.sid"));
    }

    [Theory]
    [InlineData("connect.sid=abc", "abc")]
    [InlineData("a=1; connect.sid=abc; b=2", "abc")]
    [InlineData("connect.sid=first; connect.sid=second", "first")]
    [InlineData("  connect.sid \t=  abc\t ; x=y", "abc")]
    [InlineData("connect.sid=\"abc\"", "abc")]
    [InlineData("connect.sid=s%3Aabc.d%2Be", "s:abc.d+e")]
    [InlineData("connect.sid=s%3A%C3%A9t%C3%A9%F0%9F%8D%AA.x", "s:été🍪.x")]
    [InlineData("connect.sid=%E0%A4%A", "%E0%A4%A")]
    [InlineData("connect.sid=%FF", "%FF")]
    [InlineData("connect.sid=%C3%A9%FF", "%C3%A9%FF")]                       // one bad run leaves the whole value raw
    [InlineData("connect.sid=%41%", "%41%")]
    [InlineData("connect.sid=", "")]
    public void TryFind_DecodesIntoScratch_OrFallsBackWhenItIsTooSmall(string header, string expected)
    {
        foreach (var size in new[] { 0, 3, 256 })
        {
            Assert.True(CookieHeaderParser.TryFind(header, "connect.sid", new char[size], out var value));
            Assert.Equal(expected, value.ToString());
        }
    }

    [Fact]
    public void TryFind_ValueWithoutEscapes_IsASliceOfTheHeader()
    {
        const string header = "theme=dark; connect.sid=s:abc.def; lang=en";
        Span<char> scratch = stackalloc char[256];
        Assert.True(CookieHeaderParser.TryFind(header, "connect.sid", scratch, out var value));
        Assert.True(value.Overlaps(header));
        Assert.Equal("s:abc.def", value.ToString());
    }

    [Fact]
    public void TryFind_EscapedValue_IsDecodedIntoTheScratch()
    {
        Span<char> scratch = stackalloc char[256];
        Assert.True(CookieHeaderParser.TryFind("connect.sid=s%3Aabc.d%2Be", "connect.sid", scratch, out var value));
        Assert.True(value.Overlaps(scratch));
        Assert.Equal("s:abc.d+e", value.ToString());
    }

    [Fact]
    public void TryFind_SeveralCookieHeaderFields_FirstWins()
    {
        var headers = new StringValues(["a=1", "connect.sid=s%3Aone", "connect.sid=two"]);
        Assert.True(CookieHeaderParser.TryFind(headers, "connect.sid", new char[16], out var value));
        Assert.Equal("s:one", value.ToString());
        Assert.False(CookieHeaderParser.TryFind(StringValues.Empty, "connect.sid", new char[16], out _));
        Assert.False(CookieHeaderParser.TryFind("a=1; b=2", "connect.sid", new char[16], out _));
    }
}
