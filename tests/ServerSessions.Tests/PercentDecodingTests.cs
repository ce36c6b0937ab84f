namespace ServerSessions.Tests;

public sealed class PercentDecodingTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("s%3Aabc.d%2Be%2F", "s:abc.d+e/")]
    [InlineData("%e2%82%ac and %E2%82%AC", "\u20ac and \u20ac")]      // either case of hex digit
    [InlineData("%F0%9F%8D%AA", "\U0001F36A")]                          // a surrogate pair from one run
    [InlineData("%ED%A0%80", "%ED%A0%80")]                              // an encoded surrogate is not UTF-8
    [InlineData("%C0%AF", "%C0%AF")]                                    // overlong
    [InlineData("%E2%82", "%E2%82")]                                    // incomplete sequence
    [InlineData("%E2%82x%AC", "%E2%82x%AC")]                            // a sequence split by a plain char
    [InlineData("%zz", "%zz")]
    [InlineData("100%", "100%")]
    public void TryDecode_IsDecodeUriComponentWithRawFallback(string value, string expected)
    {
        Assert.Equal(expected, PercentDecoding.TryDecode(value));
        Span<char> scratch = stackalloc char[value.Length];
        Assert.Equal(expected, PercentDecoding.TryDecode(value, scratch).ToString());
    }

    [Fact]
    public void TryDecode_ScratchTooSmall_StillDecodes()
    {
        Assert.Equal("s:a+b", PercentDecoding.TryDecode("s%3Aa%2Bb", new char[4]).ToString());
    }

    [Fact]
    public void TryDecode_LongValues_UseHeapBuffers()
    {
        var value = string.Concat(Enumerable.Repeat("%C3%A9", 1000)) + "x";
        var expected = new string('\u00e9', 1000) + "x";
        Assert.Equal(expected, PercentDecoding.TryDecode(value));
        Assert.Equal(expected, PercentDecoding.TryDecode(value, new char[value.Length]).ToString());
    }
}
