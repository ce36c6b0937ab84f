using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using ServerSessions;
using VisitTracker.Pages;
using VisitTracker.SignIn;
using VisitTracker.Users;

namespace VisitTracker.Controllers;

/// <summary>
/// The signed-in user's page (<c>/account</c>): the visit count, every session they are signed in with (each can be
/// signed out), and the password, whose change signs out every other session.
/// </summary>
[Route("account")]
[Authorize]
[PrivatePage]
public sealed class AccountController : Controller
{
    private UserAccounts Accounts => HttpContext.RequestServices.GetRequiredService<UserAccounts>();

    private SignInLimiter Limiter => HttpContext.RequestServices.GetRequiredService<SignInLimiter>();

    private UserSessions Sessions => HttpContext.RequestServices.GetRequiredService<UserSessions>();

    private string UserName => User.Identity!.Name!;

    /// <summary>The account page.</summary>
    /// <param name="session">This request's session, for its visit count.</param>
    [HttpGet]
    public Task<IActionResult> Show([FromSession] ServerSession session) => Page(session, StatusCodes.Status200OK, error: null);

    /// <summary>
    /// The account page again, for a GET of a form's address: a session signed out elsewhere that posts a form here is
    /// challenged to sign in with this address as its return URL, which the browser then GETs.
    /// </summary>
    [HttpGet("sessions/revoke")]
    [HttpGet("sessions/revoke-others")]
    [HttpGet("password")]
    public IActionResult BackToAccount() => new SeeOtherResult("/account");

    /// <summary>Signs out one of the user's other sessions; <c>303</c> to <c>/account</c>.</summary>
    /// <param name="handle">The session's handle from the page (never its ID).</param>
    [HttpPost("sessions/revoke")]
    public async Task<IActionResult> Revoke([FromForm] string? handle)
    {
        if (!string.IsNullOrEmpty(handle) && Sessions.IsSupported)
        {
            await Sessions.RevokeAsync(HttpContext, handle, HttpContext.RequestAborted);
        }

        return new SeeOtherResult("/account");
    }

    /// <summary>Signs out every session of the user but this one; <c>303</c> to <c>/account</c>.</summary>
    [HttpPost("sessions/revoke-others")]
    public async Task<IActionResult> RevokeOthers()
    {
        if (Sessions.IsSupported)
        {
            await Sessions.RevokeOthersAsync(HttpContext, HttpContext.RequestAborted);
        }

        return new SeeOtherResult("/account");
    }

    /// <summary>
    /// Changes the password when the current one is right, and signs out every other session (they are also refused by
    /// the new security stamp, should one be missing from the index, or the store keep none); <c>303</c> to <c>/account</c>, or the
    /// page again with <c>400</c>.
    /// </summary>
    /// <param name="currentPassword">The password now.</param>
    /// <param name="newPassword">The new password (at least 8 characters).</param>
    /// <param name="session">This request's session, which stays signed in with the new stamp.</param>
    [HttpPost("password")]
    public async Task<IActionResult> ChangePassword([FromForm] string? currentPassword, [FromForm] string? newPassword, [FromSession] ServerSession session)
    {
        ArgumentNullException.ThrowIfNull(session);

        // A stolen session must not make the form a way to guess the password: wrong ones count as failed sign-ins.
        if (Limiter.SignInRetryAfter(HttpContext, UserName) is { } wait)
        {
            return new TooManyAttemptsResult(wait);
        }

        if (Passwords.Problem(newPassword) is { } problem)
        {
            return await Page(session, StatusCodes.Status400BadRequest, problem);
        }

        if (await Accounts.ChangePasswordAsync(UserName, currentPassword ?? "", newPassword!, HttpContext.RequestAborted) is not { } user)
        {
            Limiter.SignInFailed(HttpContext, UserName);
            return await Page(session, StatusCodes.Status400BadRequest, "The current password is wrong.");
        }

        session.Set(SessionUser.StampKey, user.SecurityStamp);
        if (Sessions.IsSupported)
        {
            await Sessions.RevokeOthersAsync(HttpContext, HttpContext.RequestAborted);
        }

        return new SeeOtherResult("/account");
    }

    private async Task<IActionResult> Page(ServerSession session, int status, string? error)
    {
        ArgumentNullException.ThrowIfNull(session);
        var token = FormToken.For(HttpContext);
        // A store without a session index lists nothing; the security stamp still signs the others out at a password change.
        var sessions = Sessions.IsSupported ? await Sessions.ListAsync(HttpContext, HttpContext.RequestAborted) : [];
        var visits = session.Get<int>("visits");
        var view = View("account", new
        {
            user = UserName,
            error,
            visits,
            visitsUnit = visits == 1 ? "time" : "times",
            passwordMinLength = Passwords.MinLength,
            antiforgery = token,
            listed = Sessions.IsSupported,
            sessions = sessions
                .OrderByDescending(s => s.IsCurrent).ThenByDescending(s => s.LastSeen)
                .Select(s => new
                {
                    handle = s.Handle,
                    created = Format(s.Created),
                    lastSeen = Format(s.LastSeen),
                    userAgent = s.UserAgent ?? "unknown",
                    address = s.ClientAddress ?? "unknown",
                    isCurrent = s.IsCurrent,
                    current = s.IsCurrent ? "true" : "false",
                    antiforgery = token,
                })
                .ToList(),
        });
        view.StatusCode = status;
        return view;
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
