namespace VisitTracker.Users;

/// <summary>
/// One row of the users table: the name as registered (the serialized user, <c>passport.user</c>), the password's
/// hash in ASP.NET Core Identity's format, and the security stamp, which changes with the password so that sessions
/// signed in before the change are signed out.
/// </summary>
internal sealed record UserRecord(string Name, string PasswordHash, string SecurityStamp);
