using ServerSessions.Redis;

namespace ServerSessions.Tests.Stores;

public sealed class RedisVersionRequirementTests
{
    [Theory]
    [InlineData("7.0.0")]
    [InlineData("7.0.15")] // Debian 12's
    [InlineData("7.2.4")] // what every Valkey so far reports
    [InlineData("8.4.0")]
    public void Redis7OrLater_IsAccepted(string version)
    {
        Assert.Null(RedisVersionRequirement.Check("127.0.0.1:6379", Version.Parse(version)));
    }

    [Theory]
    [InlineData("6.2.14")]
    [InlineData("6.0.0")]
    [InlineData("5.0.7")]
    public void OlderRedis_IsRefused_WithAMessageNamingTheServerItsVersionAndTheMinimum(string version)
    {
        var reason = RedisVersionRequirement.Check("10.0.0.5:6379", Version.Parse(version));

        Assert.NotNull(reason);
        Assert.Contains($"Redis {version} at 10.0.0.5:6379", reason, StringComparison.Ordinal);
        Assert.Contains("older than 7.0", reason, StringComparison.Ordinal);
        Assert.Contains("SET … NX GET", reason, StringComparison.Ordinal);
    }
}
