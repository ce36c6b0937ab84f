using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using ServerSessions;
using VisitTracker.Pages;
using VisitTracker.SignIn;
using VisitTracker.Users;

namespace VisitTracker.Controllers;

/// <summary>Signing in (<c>/login</c>) and out (<c>POST /logout</c>).</summary>
[Route("")]
public sealed class SignInController : Controller
{
    private const string WrongCredentials = "The user name or password is wrong.";

    // From the request's services, not the constructor: they are the app's internal types, and MVC's controllers are public.
    private UserAccounts Accounts => HttpContext.RequestServices.GetRequiredService<UserAccounts>();

    private SignInLimiter Limiter => HttpContext.RequestServices.GetRequiredService<SignInLimiter>();

    /// <summary>The sign-in form; after signing in, the browser goes to <paramref name="returnUrl"/> if it is local.</summary>
    /// <param name="returnUrl">Where the challenge came from, such as <c>/account</c>.</param>
    [HttpGet("login")]
    [PrivatePage]
    public IActionResult LoginForm([FromQuery] string? returnUrl) => Page(StatusCodes.Status200OK, error: null, username: null, returnUrl);

    /// <summary>Checks the name and password (one hash verification, known user or not), then signs in: <c>303</c> to the return URL or <c>/</c>.</summary>
    /// <param name="username">The user name.</param>
    /// <param name="password">The password.</param>
    /// <param name="returnUrl">Where to go next; anything but a local path means <c>/</c>.</param>
    /// <param name="session">This request's session, which keeps its data through the sign-in.</param>
    [HttpPost("login")]
    [PrivatePage]
    public async Task<IActionResult> Login(
        [FromForm] string? username, [FromForm] string? password, [FromForm] string? returnUrl, [FromSession] ServerSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var name = (username ?? "").Trim();
        if (Limiter.SignInRetryAfter(HttpContext, name) is { } wait)
        {
            return new TooManyAttemptsResult(wait);
        }

        if (await Accounts.CheckAsync(name, password ?? "", HttpContext.RequestAborted) is not { } user)
        {
            Limiter.SignInFailed(HttpContext, name);
            return Page(StatusCodes.Status400BadRequest, WrongCredentials, username, returnUrl);
        }

        await SessionUser.SignInAsync(HttpContext, session, user);
        return new SeeOtherResult(IsLocalPath(returnUrl) ? returnUrl! : "/");
    }

    /// <summary>
    /// Signs out: the session is destroyed on the server and its cookie cleared; <c>303</c> to <c>/</c>. The antiforgery
    /// token is checked only when someone is signed in: a session signed out elsewhere meanwhile (its form's token names
    /// the user it had) just lands on <c>/</c>, where a 400 would say nothing useful.
    /// </summary>
    [HttpPost("logout")]
    [IgnoreAntiforgeryToken]
    public async Task<IActionResult> Logout()
    {
        if (User.Identity?.IsAuthenticated == true)
        {
            var antiforgery = HttpContext.RequestServices.GetRequiredService<IAntiforgery>();
            if (!await antiforgery.IsRequestValidAsync(HttpContext))
            {
                return BadRequest();
            }

            await HttpContext.SignOutAsync();
        }

        return new SeeOtherResult("/");
    }

    // Url.IsLocalUrl refuses //host, /\host and absolute URLs; "~/" paths it accepts are refused too, as no browser resolves them.
    private bool IsLocalPath(string? url) => url is not null && url.StartsWith('/') && Url.IsLocalUrl(url);

    private ViewResult Page(int status, string? error, string? username, string? returnUrl)
    {
        var view = View("login", new
        {
            error,
            username,
            returnUrl = IsLocalPath(returnUrl) ? returnUrl : null,
            antiforgery = FormToken.For(HttpContext),
        });
        view.StatusCode = status;
        return view;
    }
}
