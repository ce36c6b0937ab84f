namespace ServerSessions.Tests;

public sealed class VerifiedCookiesTests
{
    private static readonly CookieSigner Signer = new(["current secret", "old secret"]);

    [Fact]
    public void VerifiedValue_IsRememberedAndReturnsTheSameId()
    {
        var cookies = new VerifiedCookies(Signer);
        var id = SessionIds.New();
        var value = Signer.Sign(id);

        Assert.True(cookies.TryVerify(value, out var first, out var current));
        Assert.Equal((id, true, 1), (first, current, cookies.Count));
        Assert.True(cookies.TryVerify(value, out var again, out current));
        Assert.Same(first, again);
        Assert.True(current);
    }

    [Fact]
    public void AlteredSignature_OfARememberedValue_IsRejected()
    {
        var cookies = new VerifiedCookies(Signer);
        var value = Signer.Sign(SessionIds.New());
        Assert.True(cookies.TryVerify(value, out _, out _));

        var forged = value[..^1] + (value[^1] == 'A' ? 'B' : 'A');
        Assert.False(cookies.TryVerify(forged, out var id, out _));
        Assert.Null(id);
        Assert.Equal(1, cookies.Count);
    }

    [Fact]
    public void ValueSignedWithAnOlderSecret_VerifiesAsNotCurrent_EveryTime()
    {
        var cookies = new VerifiedCookies(Signer);
        var id = SessionIds.New();
        var old = new CookieSigner(["old secret"]).Sign(id);

        for (var i = 0; i < 2; i++)
        {
            Assert.True(cookies.TryVerify(old, out var verified, out var current));
            Assert.Equal((id, false), (verified, current));
        }

        Assert.Equal(0, cookies.Count);
    }

    [Fact]
    public void WhenFull_StartsOver_AndStillVerifies()
    {
        var cookies = new VerifiedCookies(Signer, capacity: 4);
        var values = Enumerable.Range(0, 10).Select(_ => Signer.Sign(SessionIds.New())).ToList();
        foreach (var value in values)
        {
            Assert.True(cookies.TryVerify(value, out _, out _));
            Assert.InRange(cookies.Count, 1, 4);
        }

        Assert.All(values, value => Assert.True(cookies.TryVerify(value, out _, out var current) && current));
    }
}
