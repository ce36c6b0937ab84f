using System.Diagnostics;
using System.Net;
using VisitTracker.Tests.EndToEnd;
using VisitTracker.Tests.SignIn;

namespace VisitTracker.Tests.Users;

/// <summary><c>VisitTracker add-user NAME</c>, run as the README says (the password on standard input).</summary>
public sealed class AddUserCommandTests
{
    [Fact]
    public async Task AddUser_CreatesAUser_WhoSignsInToTheApp()
    {
        using var data = new TempFolder();

        var (exitCode, output) = await AddUserAsync(data, "alice", "correct horse battery\n");

        Assert.True(exitCode == 0, output);
        Assert.Contains("Added the user 'alice'", output, StringComparison.Ordinal);
        Assert.DoesNotContain("correct horse battery", output, StringComparison.Ordinal);
        await using var app = await VisitTrackerProcess.StartAsync(data);
        using var client = new SignInClient(app);
        (await client.LoginAsync("alice", "correct horse battery")).AssertRedirect(HttpStatusCode.SeeOther, "/");
        Assert.Equal("alice", (await client.HomeAsync()).Greeted);
    }

    [Theory]
    [InlineData("alice", "correct horse battery", "The user name 'alice' is taken")]
    [InlineData("a b", "correct horse battery", "'a b' is not a valid user name")]
    [InlineData("bob", "short", "A password has at least 8 characters.")]
    [InlineData("bob", "", "A password has at least 8 characters.")]
    public async Task AddUser_WithATakenOrBadNameOrPassword_Exits1AndSaysWhy(string name, string password, string message)
    {
        using var data = new TempFolder();
        Assert.Equal(0, (await AddUserAsync(data, "alice", "the first password\n")).ExitCode);

        var (exitCode, output) = await AddUserAsync(data, name, password + "\n");

        Assert.True(exitCode == 1, output);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> AddUserAsync(TempFolder data, string name, string input)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = data.Path,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        start.ArgumentList.Add("add-user");
        start.ArgumentList.Add(name);
        start.Environment["Users__Path"] = VisitTrackerProcess.UsersPath(data);
        using var process = Process.Start(start)!;
        try
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            return (process.ExitCode, await output + await error);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
