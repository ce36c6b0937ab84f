using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using ServerSessions;
using VisitTracker.Users;

namespace VisitTracker.SignIn;

/// <summary>
/// The signed-in user of a session: signing in stores the user's security stamp in the session beside Passport's
/// <c>passport.user</c> (the user's name), and every authenticated request checks both against the users table, so a
/// deleted user, or one whose password changed since this session signed in, is signed out at their next request.
/// </summary>
internal static class SessionUser
{
    /// <summary>The session key of the stamp. Sessions signed in by a Passport app have none, and are kept while the user exists.</summary>
    public const string StampKey = "userStamp";

    /// <summary>Signs <paramref name="user"/> in: the session gets a new ID, keeps its data (the visit count) and gains the user and stamp.</summary>
    public static async Task SignInAsync(HttpContext context, ServerSession session, UserRecord user)
    {
        session.Set(StampKey, user.SecurityStamp);
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, user.Name), new Claim(ClaimTypes.Name, user.Name)], "ServerSession");
        await context.SignInAsync(new ClaimsPrincipal(identity));
    }

    /// <summary>
    /// Whether the session's user may stay signed in: the user exists, and the stamp the session holds (if any) is
    /// theirs. Called for every authenticated request, so it is one primary-key read.
    /// </summary>
    public static async Task<bool> IsValidAsync(UserAccounts accounts, string name, string? stamp, CancellationToken cancellationToken)
    {
        var user = await accounts.FindAsync(name, cancellationToken);
        return user is not null && (stamp is null || string.Equals(stamp, user.SecurityStamp, StringComparison.Ordinal));
    }
}
