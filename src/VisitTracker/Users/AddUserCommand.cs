using Microsoft.AspNetCore.Identity;

namespace VisitTracker.Users;

/// <summary>
/// <c>VisitTracker add-user NAME</c>: creates a user whose password is the first line of standard input, for scripted
/// set-up. Exit code 0 when the user was created; 1, with the reason on standard error, when not.
/// </summary>
internal static class AddUserCommand
{
    public const string Name = "add-user";

    /// <param name="arguments">What followed <c>add-user</c>: the name, then settings such as <c>--Users:Path=…</c>.</param>
    /// <param name="input">Where the password comes from.</param>
    /// <param name="output">Where success is reported.</param>
    /// <param name="error">Where a failure's reason goes.</param>
    public static async Task<int> RunAsync(string[] arguments, TextReader input, TextWriter output, TextWriter error)
    {
        if (arguments.Length == 0 || arguments[0].StartsWith('-'))
        {
            await error.WriteLineAsync($"Usage: VisitTracker {Name} NAME, with the password on standard input (one line).");
            return 1;
        }

        var name = arguments[0];
        if (UserNames.Problem(name) is { } nameProblem)
        {
            await error.WriteLineAsync($"'{name}' is not a valid user name: {nameProblem}");
            return 1;
        }

        var password = await input.ReadLineAsync();
        if (Passwords.Problem(password) is { } passwordProblem)
        {
            await error.WriteLineAsync($"The password (the first line of standard input) is not acceptable: {passwordProblem}");
            return 1;
        }

        // The app's own configuration (appsettings.json, the environment, the rest of the command line), for Users:Path.
        var configuration = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = arguments[1..],
            ContentRootPath = AppContext.BaseDirectory,
        }).Configuration;
        using var database = new UserDatabase(UsersOptions.From(configuration).FullPath, TimeProvider.System);
        var accounts = new UserAccounts(database, new PasswordHasher<UserRecord>());
        if (await accounts.RegisterAsync(name, password!) is null)
        {
            await error.WriteLineAsync($"The user name '{name}' is taken (in {database.Path}).");
            return 1;
        }

        await output.WriteLineAsync($"Added the user '{name}' to {database.Path}.");
        return 0;
    }
}
