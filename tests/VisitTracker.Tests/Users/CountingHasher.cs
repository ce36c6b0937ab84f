using Microsoft.AspNetCore.Identity;
using VisitTracker.Users;

namespace VisitTracker.Tests.Users;

/// <summary>Identity's password hasher, counting its verifications.</summary>
internal sealed class CountingHasher : IPasswordHasher<UserRecord>
{
    private readonly PasswordHasher<UserRecord> _inner = new();
    private int _verifications;

    public int Verifications => Volatile.Read(ref _verifications);

    public string HashPassword(UserRecord user, string password) => _inner.HashPassword(user, password);

    public PasswordVerificationResult VerifyHashedPassword(UserRecord user, string hashedPassword, string providedPassword)
    {
        Interlocked.Increment(ref _verifications);
        return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
    }
}
