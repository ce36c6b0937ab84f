namespace VisitTracker.Users;

/// <summary>
/// What a password may be: 8 to 1024 characters, any of them (spaces too; no rules about character classes, as
/// NIST SP 800-63B advises). The upper bound keeps one hash's cost bounded.
/// </summary>
internal static class Passwords
{
    public const int MinLength = 8;
    public const int MaxLength = 1024;

    /// <summary>Why <paramref name="password"/> is not acceptable as a new password, or <see langword="null"/> when it is.</summary>
    public static string? Problem(string? password) =>
        (password?.Length ?? 0) < MinLength ? $"A password has at least {MinLength} characters."
        : password!.Length > MaxLength ? $"A password has at most {MaxLength} characters."
        : null;
}
