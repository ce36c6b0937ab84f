using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace VisitTracker.Users;

/// <summary>
/// Registration, password checks and password changes over the users table, with ASP.NET Core Identity's password
/// hasher. Every check costs exactly one hash verification, whether the user exists or not: an unknown name is checked
/// against a dummy hash made with the same hasher, so the time an attempt takes does not tell which names exist.
/// </summary>
internal sealed class UserAccounts
{
    // The hasher's user argument: Identity's own hasher ignores it.
    private static readonly UserRecord Nobody = new("", "", "");

    private readonly UserDatabase _database;
    private readonly IPasswordHasher<UserRecord> _hasher;
    private readonly string _dummyHash;

    public UserAccounts(UserDatabase database, IPasswordHasher<UserRecord> hasher)
    {
        _database = database;
        _hasher = hasher;

        // Made once, with the hasher's current settings, so that it costs what a real user's hash costs.
        _dummyHash = hasher.HashPassword(Nobody, Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
    }

    /// <summary>The user, if they exist (any ASCII case); no hashing.</summary>
    public Task<UserRecord?> FindAsync(string name, CancellationToken cancellationToken = default) => _database.FindAsync(name, cancellationToken);

    /// <summary>Creates the user; <see langword="null"/> when the name is taken. Check the name and password first.</summary>
    public async Task<UserRecord?> RegisterAsync(string name, string password, CancellationToken cancellationToken = default)
    {
        if (await _database.FindAsync(name, cancellationToken) is not null)
        {
            return null;
        }

        var user = new UserRecord(name, _hasher.HashPassword(Nobody, password), NewStamp());
        return await _database.TryAddAsync(user, cancellationToken) ? user : null;
    }

    /// <summary>The user when <paramref name="password"/> is theirs, else <see langword="null"/>; one verification either way.</summary>
    public async Task<UserRecord?> CheckAsync(string name, string password, CancellationToken cancellationToken = default)
    {
        var user = await _database.FindAsync(name, cancellationToken);
        var result = _hasher.VerifyHashedPassword(user ?? Nobody, user?.PasswordHash ?? _dummyHash, password);
        if (user is null || result == PasswordVerificationResult.Failed)
        {
            return null;
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            // A hash made with older settings is upgraded; the stamp stays, so no session is signed out by it.
            var rehashed = _hasher.HashPassword(user, password);
            if (await _database.TryReplaceHashAsync(user.Name, user.PasswordHash, rehashed, stamp: null, cancellationToken))
            {
                user = user with { PasswordHash = rehashed };
            }
        }

        return user;
    }

    /// <summary>
    /// Sets a new password and a new security stamp when <paramref name="currentPassword"/> is right; the updated user,
    /// or <see langword="null"/> when the current password is wrong (or the user is gone). Check the new password first.
    /// </summary>
    public async Task<UserRecord?> ChangePasswordAsync(string name, string currentPassword, string newPassword, CancellationToken cancellationToken = default)
    {
        if (await CheckAsync(name, currentPassword, cancellationToken) is not { } user)
        {
            return null;
        }

        var changed = user with { PasswordHash = _hasher.HashPassword(user, newPassword), SecurityStamp = NewStamp() };
        return await _database.TryReplaceHashAsync(user.Name, user.PasswordHash, changed.PasswordHash, changed.SecurityStamp, cancellationToken) ? changed : null;
    }

    private static string NewStamp() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
}
