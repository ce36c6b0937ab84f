using System.Net;
using VisitTracker.Tests.EndToEnd;

namespace VisitTracker.Tests.SignIn;

/// <summary>The sign-in limits of the real app: 429 with Retry-After and a page, per address, never per user alone.</summary>
public sealed class SignInLimitTests
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task FailedSignIns_OfOneAddressAndUser_Answer429WithRetryAfter_WhileTheUserSignsInFromAnotherAddress()
    {
        await using var app = await VisitTrackerProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["SignInLimits__FailuresPerAddress"] = "0",
            ["SignInLimits__FailuresPerAddressAndUser"] = "3",
        });
        using var owner = new SignInClient(app) { ForwardedFor = "198.51.100.1" };
        (await owner.RegisterAsync("alice", Password)).AssertStatus(HttpStatusCode.SeeOther);
        using var attacker = new SignInClient(app) { ForwardedFor = "203.0.113.7" };

        for (var guess = 0; guess < 3; guess++)
        {
            (await attacker.LoginAsync("alice", $"guess {guess}")).AssertStatus(HttpStatusCode.BadRequest);
        }

        var limited = await attacker.LoginAsync("alice", Password); // even the right password, from there
        limited.AssertStatus(HttpStatusCode.TooManyRequests);
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        Assert.Contains("Try again in", limited.Error, StringComparison.Ordinal);
        Assert.Null((await attacker.HomeAsync()).Greeted);

        // The user is not locked out: another address signs in, and so does another name from the attacker's address.
        using var elsewhere = new SignInClient(app) { ForwardedFor = "192.0.2.44" };
        (await elsewhere.LoginAsync("alice", Password)).AssertRedirect(HttpStatusCode.SeeOther, "/");
        (await attacker.LoginAsync("bob", "a guess at bob")).AssertStatus(HttpStatusCode.BadRequest);

        // Logged once, naming the address and the limit, never the user or a password.
        Assert.Single(app.Output.Split('\n'), line => line.Contains("203.0.113.7 reached SignInLimits:FailuresPerAddressAndUser", StringComparison.Ordinal));
        Assert.DoesNotContain("alice", app.Output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("guess", app.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, app.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedSignIns_OfOneAddress_Answer429ForEveryName_OnlyThere()
    {
        await using var app = await VisitTrackerProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["SignInLimits__FailuresPerAddress"] = "3",
        });
        using var owner = new SignInClient(app) { ForwardedFor = "198.51.100.1" };
        (await owner.RegisterAsync("alice", Password)).AssertStatus(HttpStatusCode.SeeOther);
        using var sprayer = new SignInClient(app) { ForwardedFor = "203.0.113.7" };

        foreach (var name in new[] { "bob", "carol", "dave" })
        {
            (await sprayer.LoginAsync(name, Password)).AssertStatus(HttpStatusCode.BadRequest);
        }

        (await sprayer.LoginAsync("alice", Password)).AssertStatus(HttpStatusCode.TooManyRequests);
        using var elsewhere = new SignInClient(app) { ForwardedFor = "192.0.2.44" };
        (await elsewhere.LoginAsync("alice", Password)).AssertStatus(HttpStatusCode.SeeOther);
    }

    [Fact]
    public async Task Registrations_OfOneAddress_Answer429WithRetryAfter_AnotherAddressStillRegisters()
    {
        await using var app = await VisitTrackerProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["SignInLimits__RegistrationsPerAddress"] = "2",
        });
        using var client = new SignInClient(app) { ForwardedFor = "203.0.113.7" };
        (await client.RegisterAsync("first", Password)).AssertStatus(HttpStatusCode.SeeOther);
        (await client.RegisterAsync("second", Password)).AssertStatus(HttpStatusCode.SeeOther);

        var limited = await client.RegisterAsync("third", Password);

        limited.AssertStatus(HttpStatusCode.TooManyRequests);
        Assert.InRange(limited.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));
        using var other = new SignInClient(app) { ForwardedFor = "198.51.100.1" };
        (await other.LoginAsync("third", Password)).AssertStatus(HttpStatusCode.BadRequest); // not created
        (await other.RegisterAsync("third", Password)).AssertStatus(HttpStatusCode.SeeOther);
    }
}
