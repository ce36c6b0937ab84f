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
}
