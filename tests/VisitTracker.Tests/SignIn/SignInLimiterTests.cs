using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.AspNetCore.Http;
using VisitTracker.Operations;
using VisitTracker.SignIn;

namespace VisitTracker.Tests.SignIn;

public sealed class SignInLimiterTests
{
    [Fact]
    public void FailuresPerAddressAndUser_BlockThatPairOnly_NotTheUserFromAnotherAddress()
    {
        using var limiter = new SignInLimiter(new SignInLimitsOptions { FailuresPerAddress = 0, FailuresPerAddressAndUser = 3 }, NullLogger<SignInLimiter>.Instance);
        var attacker = Client("203.0.113.7");

        for (var failure = 0; failure < 3; failure++)
        {
            Assert.Null(limiter.SignInRetryAfter(attacker, "alice"));
            limiter.SignInFailed(attacker, "alice");
        }

        var wait = limiter.SignInRetryAfter(attacker, "ALICE");
        Assert.NotNull(wait);
        Assert.InRange(wait.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        Assert.Null(limiter.SignInRetryAfter(attacker, "bob"));
        Assert.Null(limiter.SignInRetryAfter(Client("198.51.100.1"), "alice"));
    }

    [Fact]
    public void FailuresPerAddress_BlockEveryNameFromThatAddress_OnlyThere()
    {
        using var limiter = new SignInLimiter(new SignInLimitsOptions { FailuresPerAddress = 3, FailuresPerAddressAndUser = 0 }, NullLogger<SignInLimiter>.Instance);
        var attacker = Client("203.0.113.7");

        foreach (var name in new[] { "alice", "bob", "carol" })
        {
            limiter.SignInFailed(attacker, name);
        }

        Assert.NotNull(limiter.SignInRetryAfter(attacker, "dave"));
        Assert.Null(limiter.SignInRetryAfter(Client("198.51.100.1"), "dave"));
    }

    [Fact]
    public void AnIPv6Client_IsCountedByItsSlash64()
    {
        using var limiter = new SignInLimiter(new SignInLimitsOptions { FailuresPerAddress = 1, FailuresPerAddressAndUser = 0 }, NullLogger<SignInLimiter>.Instance);

        limiter.SignInFailed(Client("2001:db8:1:2::1"), "alice");

        Assert.NotNull(limiter.SignInRetryAfter(Client("2001:db8:1:2:ffff::9"), "bob"));
        Assert.Null(limiter.SignInRetryAfter(Client("2001:db8:1:3::1"), "bob"));
    }

    [Fact]
    public void Registrations_AreLimitedPerAddress_ForAnHour()
    {
        using var limiter = new SignInLimiter(new SignInLimitsOptions { RegistrationsPerAddress = 2 }, NullLogger<SignInLimiter>.Instance);
        var client = Client("203.0.113.7");

        limiter.Registered(client);
        Assert.Null(limiter.RegistrationRetryAfter(client));
        limiter.Registered(client);

        var wait = limiter.RegistrationRetryAfter(client);
        Assert.NotNull(wait);
        Assert.InRange(wait.Value, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));
        Assert.Null(limiter.RegistrationRetryAfter(Client("198.51.100.1")));
    }

    [Fact]
    public void Refusals_AreCounted_ByCause_OnVisitTrackersMeter()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var refused = new List<(long Value, string? Cause)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == "visit_tracker.requests.refused")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            refused.Add((value, tags.ToArray().Single(tag => tag.Key == "visit_tracker.refusal.cause").Value as string)));
        listener.Start();
        using var limiter = new SignInLimiter(
            new SignInLimitsOptions { FailuresPerAddress = 1, FailuresPerAddressAndUser = 0, RegistrationsPerAddress = 1 },
            NullLogger<SignInLimiter>.Instance,
            new VisitTrackerMetrics(meters));
        var client = Client("203.0.113.7");

        Assert.Null(limiter.SignInRetryAfter(client, "alice"));
        limiter.SignInFailed(client, "alice");
        limiter.Registered(client);
        Assert.Empty(refused);

        Assert.NotNull(limiter.SignInRetryAfter(client, "alice"));
        Assert.NotNull(limiter.RegistrationRetryAfter(client));

        Assert.Equal([(1L, VisitTrackerMetrics.SignInLimit), (1L, VisitTrackerMetrics.RegistrationLimit)], refused);
        Assert.Equal(("sign_in_limit", "registration_limit"), (VisitTrackerMetrics.SignInLimit, VisitTrackerMetrics.RegistrationLimit));
    }

    [Fact]
    public void ZeroTurnsALimitOff()
    {
        using var limiter = new SignInLimiter(new SignInLimitsOptions { FailuresPerAddress = 0, FailuresPerAddressAndUser = 0, RegistrationsPerAddress = 0 }, NullLogger<SignInLimiter>.Instance);
        var client = Client("203.0.113.7");

        for (var attempt = 0; attempt < 1000; attempt++)
        {
            limiter.SignInFailed(client, "alice");
            limiter.Registered(client);
        }

        Assert.Null(limiter.SignInRetryAfter(client, "alice"));
        Assert.Null(limiter.RegistrationRetryAfter(client));
    }

    [Fact]
    public void Settings_AreRead_AndBadOnesStopTheApp()
    {
        var options = SignInLimitsOptions.From(Configuration(("SignInLimits:FailuresPerAddress", "0"), ("SignInLimits:RegistrationsPerAddress", "5")));
        Assert.Equal((0, 10, 5), (options.FailuresPerAddress, options.FailuresPerAddressAndUser, options.RegistrationsPerAddress));

        var negative = Assert.Throws<InvalidOperationException>(() => SignInLimitsOptions.From(Configuration(("SignInLimits:FailuresPerAddress", "-1"))));
        Assert.Contains("SignInLimits:FailuresPerAddress '-1' is not a whole number from 0", negative.Message, StringComparison.Ordinal);
        var unknown = Assert.Throws<InvalidOperationException>(() => SignInLimitsOptions.From(Configuration(("SignInLimits:FailuresPerUser", "3"))));
        Assert.Contains("Unknown setting SignInLimits:FailuresPerUser", unknown.Message, StringComparison.Ordinal);
    }

    private static DefaultHttpContext Client(string address) => new() { Connection = { RemoteIpAddress = IPAddress.Parse(address) } };

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(setting => KeyValuePair.Create(setting.Key, (string?)setting.Value)))
            .Build();
}
