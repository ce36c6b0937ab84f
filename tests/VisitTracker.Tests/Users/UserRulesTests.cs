using VisitTracker.Users;

namespace VisitTracker.Tests.Users;

public sealed class UserRulesTests
{
    [Theory]
    [InlineData("bob")]
    [InlineData("Alice.Smith-2_b")]
    [InlineData("0123456789abcdefghij0123456789ab")]
    public void ValidNames_HaveNoProblem(string name) => Assert.Null(UserNames.Problem(name));

    [Theory]
    [InlineData("", "Choose a user name.")]
    [InlineData("ab", "3 to 32 characters")]
    [InlineData("0123456789abcdefghij0123456789abc", "3 to 32 characters")]
    [InlineData("-bob", "starts with a letter or digit")]
    [InlineData("bob smith", "only letters")]
    [InlineData("bøb", "only letters")]
    [InlineData("bob<script>", "only letters")]
    public void InvalidNames_SayWhy(string name, string reason) => Assert.Contains(reason, UserNames.Problem(name), StringComparison.Ordinal);

    [Theory]
    [InlineData(null, "at least 8")]
    [InlineData("1234567", "at least 8")]
    public void ShortPasswords_SayWhy(string? password, string reason) => Assert.Contains(reason, Passwords.Problem(password), StringComparison.Ordinal);

    [Fact]
    public void Passwords_From8To1024Characters_AreAccepted_AnyCharacters()
    {
        Assert.Null(Passwords.Problem("        "));
        Assert.Null(Passwords.Problem(new string('é', 1024)));
        Assert.Contains("at most 1024", Passwords.Problem(new string('x', 1025)), StringComparison.Ordinal);
    }
}
