using Microsoft.Data.Sqlite;
using VisitTracker.Users;

namespace VisitTracker.Tests.Users;

public sealed class UserAccountsTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly CountingHasher _hasher = new();
    private readonly UserDatabase _database;
    private readonly UserAccounts _accounts;

    public UserAccountsTests()
    {
        _database = new UserDatabase(Path.Combine(_folder.Path, "users.db"), TimeProvider.System);
        _accounts = new UserAccounts(_database, _hasher);
    }

    [Fact]
    public async Task EveryPasswordCheck_CostsExactlyOneVerification_KnownUserOrNot()
    {
        await _accounts.RegisterAsync("alice", "correct horse");

        var known = await Verifications(() => _accounts.CheckAsync("alice", "correct horse"));
        var wrong = await Verifications(() => _accounts.CheckAsync("alice", "wrong password"));
        var unknown = await Verifications(() => _accounts.CheckAsync("nobody", "correct horse"));
        var empty = await Verifications(() => _accounts.CheckAsync("", ""));

        Assert.Equal((1, 1, 1, 1), (known, wrong, unknown, empty));
    }

    [Fact]
    public async Task Check_ReturnsTheUserForTheirPassword_OnlyThen()
    {
        var registered = await _accounts.RegisterAsync("alice", "correct horse");

        Assert.Equal(registered, await _accounts.CheckAsync("alice", "correct horse"));
        Assert.Null(await _accounts.CheckAsync("alice", "correct horsE"));
        Assert.Null(await _accounts.CheckAsync("bob", "correct horse"));
    }

    [Fact]
    public async Task NamesDifferingInCase_AreOneUser_WithTheFirstSpelling()
    {
        Assert.NotNull(await _accounts.RegisterAsync("Alice", "correct horse"));

        Assert.Null(await _accounts.RegisterAsync("alice", "another password"));
        Assert.Equal("Alice", (await _accounts.CheckAsync("ALICE", "correct horse"))?.Name);
    }

    [Fact]
    public async Task ChangePassword_ReplacesTheHashAndTheStamp_OnlyWithTheCurrentPassword()
    {
        var before = await _accounts.RegisterAsync("alice", "correct horse");

        Assert.Null(await _accounts.ChangePasswordAsync("alice", "wrong password", "battery staple"));
        Assert.Equal(before, await _accounts.FindAsync("alice"));

        var after = await _accounts.ChangePasswordAsync("alice", "correct horse", "battery staple");
        Assert.NotNull(after);
        Assert.NotEqual(before!.SecurityStamp, after.SecurityStamp);
        Assert.Equal(after, await _accounts.FindAsync("alice"));
        Assert.Null(await _accounts.CheckAsync("alice", "correct horse"));
        Assert.NotNull(await _accounts.CheckAsync("alice", "battery staple"));
    }

    [Fact]
    public async Task AHashWithOlderSettings_IsUpgradedAtSignIn_KeepingTheStamp()
    {
        var user = await _accounts.RegisterAsync("alice", "correct horse");
        var old = new Microsoft.AspNetCore.Identity.PasswordHasher<UserRecord>(
            Microsoft.Extensions.Options.Options.Create(new Microsoft.AspNetCore.Identity.PasswordHasherOptions { IterationCount = 1000 }));
        var oldHash = old.HashPassword(user!, "correct horse");
        await _database.TryReplaceHashAsync("alice", user!.PasswordHash, oldHash, stamp: null);

        Assert.NotNull(await _accounts.CheckAsync("alice", "correct horse"));

        var upgraded = await _accounts.FindAsync("alice");
        Assert.NotEqual(oldHash, upgraded!.PasswordHash);
        Assert.Equal(user.SecurityStamp, upgraded.SecurityStamp);
        Assert.NotNull(await _accounts.CheckAsync("alice", "correct horse"));
    }

    [Fact]
    public void TheUsersFile_IsInWalMode_SoAnotherProcessReadsWhileOneWrites()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder.Path, "users.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";

        Assert.Equal("wal", command.ExecuteScalar());
    }

    public void Dispose()
    {
        _database.Dispose();
        _folder.Dispose();
    }

    private async Task<int> Verifications(Func<Task> attempt)
    {
        var before = _hasher.Verifications;
        await attempt();
        return _hasher.Verifications - before;
    }
}
