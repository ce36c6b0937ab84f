namespace VisitTracker.Users;

/// <summary>
/// What a user name may be: 3 to 32 characters, ASCII letters, digits, <c>.</c>, <c>_</c> and <c>-</c>, starting with a
/// letter or digit. Names differing only in case are one name (the first registration keeps its spelling).
/// </summary>
internal static class UserNames
{
    public const int MinLength = 3;
    public const int MaxLength = 32;

    /// <summary>Why <paramref name="name"/> is not a valid user name, or <see langword="null"/> when it is.</summary>
    public static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "Choose a user name.";
        }

        if (name.Length is < MinLength or > MaxLength)
        {
            return $"A user name has {MinLength} to {MaxLength} characters.";
        }

        if (!char.IsAsciiLetterOrDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            return "A user name has only letters (a-z, A-Z), digits, '.', '_' and '-', and starts with a letter or digit.";
        }

        return null;
    }
}
