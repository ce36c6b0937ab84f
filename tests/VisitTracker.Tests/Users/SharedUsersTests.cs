using System.Net;
using VisitTracker.Tests.EndToEnd;
using VisitTracker.Tests.SignIn;

namespace VisitTracker.Tests.Users;

/// <summary>Two VisitTracker processes on one machine, each with its own sessions, naming one users file.</summary>
public sealed class SharedUsersTests
{
    [Fact]
    public async Task TwoProcesses_OnOneUsersFile_SignInEachOthersUsers_AndSeeEachOthersPasswordChanges()
    {
        using var shared = new TempFolder();
        var users = new Dictionary<string, string> { ["Users__Path"] = Path.Combine(shared.Path, "users.db") };
        await using var first = await VisitTrackerProcess.StartAsync(environment: users);
        await using var second = await VisitTrackerProcess.StartAsync(environment: users);

        using (var onFirst = new SignInClient(first))
        {
            (await onFirst.RegisterAsync("alice", "correct horse battery")).AssertStatus(HttpStatusCode.SeeOther);
            await onFirst.GetAsync("/account");
            (await onFirst.PostAsync("/account/password", [new("currentPassword", "correct horse battery"), new("newPassword", "a new password")]))
                .AssertStatus(HttpStatusCode.SeeOther);
        }

        using var onSecond = new SignInClient(second);
        (await onSecond.LoginAsync("alice", "correct horse battery")).AssertStatus(HttpStatusCode.BadRequest);
        (await onSecond.LoginAsync("alice", "a new password")).AssertRedirect(HttpStatusCode.SeeOther, "/");
        var taken = await onSecond.RegisterAsync("ALICE", "another password");
        taken.AssertStatus(HttpStatusCode.BadRequest);
        Assert.Contains("is taken", taken.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoProcesses_RegisteringAtOnce_OnOneUsersFile_BothSucceed()
    {
        using var shared = new TempFolder();
        var users = new Dictionary<string, string> { ["Users__Path"] = Path.Combine(shared.Path, "users.db") };
        await using var first = await VisitTrackerProcess.StartAsync(environment: users);
        await using var second = await VisitTrackerProcess.StartAsync(environment: users);

        var registrations = Enumerable.Range(0, 10).Select(async n =>
        {
            using var client = new SignInClient(n % 2 == 0 ? first : second) { ForwardedFor = $"10.1.0.{n}" };
            return (await client.RegisterAsync($"user{n}", "correct horse battery")).Status;
        });

        Assert.All(await Task.WhenAll(registrations), status => Assert.Equal(HttpStatusCode.SeeOther, status));
        using var check = new SignInClient(first);
        (await check.LoginAsync("user9", "correct horse battery")).AssertStatus(HttpStatusCode.SeeOther);
    }
}
