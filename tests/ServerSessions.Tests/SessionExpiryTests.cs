namespace ServerSessions.Tests;

public sealed class SessionExpiryTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch.AddDays(20_000);
    private static readonly long CreatedMs = Now.AddHours(-1).ToUnixTimeMilliseconds();

    [Fact]
    public void InStore_WithoutIdleTimeoutOrMaxAge_LastsADay() =>
        Assert.Equal(Now + TimeSpan.FromDays(1), SessionExpiry.InStore(new ServerSessionOptions(), Now, null, CreatedMs));

    [Fact]
    public void InStore_WithoutIdleTimeout_FollowsTheCookiesMaxAge() =>
        Assert.Equal(Now + TimeSpan.FromDays(30), SessionExpiry.InStore(new ServerSessionOptions(), Now, TimeSpan.FromDays(30), CreatedMs));

    [Fact]
    public void InStore_IdleTimeoutShorterThanMaxAge_Wins() =>
        Assert.Equal(
            Now + TimeSpan.FromMinutes(20),
            SessionExpiry.InStore(new ServerSessionOptions { IdleTimeout = TimeSpan.FromMinutes(20) }, Now, TimeSpan.FromDays(30), CreatedMs));

    [Fact]
    public void InStore_NeverOutlivesTheCookie() =>
        Assert.Equal(
            Now + TimeSpan.FromMinutes(5),
            SessionExpiry.InStore(new ServerSessionOptions { IdleTimeout = TimeSpan.FromHours(2) }, Now, TimeSpan.FromMinutes(5), CreatedMs));

    [Fact]
    public void InStore_IsCappedByTheAbsoluteTimeout()
    {
        var options = new ServerSessionOptions { IdleTimeout = TimeSpan.FromHours(2), AbsoluteTimeout = TimeSpan.FromHours(1.5) };
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(CreatedMs) + TimeSpan.FromHours(1.5), SessionExpiry.InStore(options, Now, null, CreatedMs));
    }

    [Fact]
    public void OfCookie_WithoutMaxAge_IsABrowserSessionCookie() =>
        Assert.Null(SessionExpiry.OfCookie(new ServerSessionOptions { AbsoluteTimeout = TimeSpan.FromHours(2) }, Now, null, CreatedMs));

    [Fact]
    public void OfCookie_IsNowPlusMaxAge_CappedByTheAbsoluteTimeout()
    {
        Assert.Equal(Now + TimeSpan.FromHours(3), SessionExpiry.OfCookie(new ServerSessionOptions(), Now, TimeSpan.FromHours(3), CreatedMs));
        Assert.Equal(
            DateTimeOffset.FromUnixTimeMilliseconds(CreatedMs) + TimeSpan.FromHours(2),
            SessionExpiry.OfCookie(new ServerSessionOptions { AbsoluteTimeout = TimeSpan.FromHours(2) }, Now, TimeSpan.FromHours(3), CreatedMs));
    }

    [Fact]
    public void IsPastAbsoluteTimeout_FromTheInstantItIsReached()
    {
        var options = new ServerSessionOptions { AbsoluteTimeout = TimeSpan.FromHours(1) };
        Assert.True(SessionExpiry.IsPastAbsoluteTimeout(options, Now, CreatedMs));
        Assert.False(SessionExpiry.IsPastAbsoluteTimeout(options, Now.AddMilliseconds(-1), CreatedMs));
    }

    [Fact]
    public void IsPastAbsoluteTimeout_NeverWithoutOneOrWithoutACreationTime()
    {
        Assert.False(SessionExpiry.IsPastAbsoluteTimeout(new ServerSessionOptions(), Now, CreatedMs - 1_000_000_000));
        Assert.False(SessionExpiry.IsPastAbsoluteTimeout(new ServerSessionOptions { AbsoluteTimeout = TimeSpan.FromSeconds(1) }, Now, createdUnixMs: 0));
    }
}
