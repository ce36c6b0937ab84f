using Microsoft.AspNetCore.Mvc;
using ServerSessions;
using VisitTracker.Pages;
using VisitTracker.SignIn;
using VisitTracker.Users;

namespace VisitTracker.Controllers;

/// <summary>Registering a user (<c>/register</c>).</summary>
[Route("register")]
[PrivatePage]
public sealed class RegistrationController : Controller
{
    private UserAccounts Accounts => HttpContext.RequestServices.GetRequiredService<UserAccounts>();

    private SignInLimiter Limiter => HttpContext.RequestServices.GetRequiredService<SignInLimiter>();

    /// <summary>The registration form.</summary>
    [HttpGet]
    public IActionResult Form() => Page(StatusCodes.Status200OK, error: null, username: null);

    /// <summary>Creates the user and signs them in (<c>303</c> to <c>/account</c>); bad input shows the form again with <c>400</c>.</summary>
    /// <param name="username">The new user's name (see the README for the rules).</param>
    /// <param name="password">The password (at least 8 characters).</param>
    /// <param name="session">This request's session, which keeps its data through the sign-in.</param>
    [HttpPost]
    public async Task<IActionResult> Register([FromForm] string? username, [FromForm] string? password, [FromSession] ServerSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (Limiter.RegistrationRetryAfter(HttpContext) is { } wait)
        {
            return new TooManyAttemptsResult(wait);
        }

        var name = (username ?? "").Trim();
        if ((UserNames.Problem(name) ?? Passwords.Problem(password)) is { } problem)
        {
            return Page(StatusCodes.Status400BadRequest, problem, username);
        }

        var user = await Accounts.RegisterAsync(name, password!, HttpContext.RequestAborted);
        Limiter.Registered(HttpContext);
        if (user is null)
        {
            return Page(StatusCodes.Status400BadRequest, $"The user name '{name}' is taken; choose another.", username);
        }

        await SessionUser.SignInAsync(HttpContext, session, user);
        return new SeeOtherResult("/account");
    }

    private ViewResult Page(int status, string? error, string? username)
    {
        var view = View("register", new
        {
            error,
            username,
            nameMinLength = UserNames.MinLength,
            nameMaxLength = UserNames.MaxLength,
            passwordMinLength = Passwords.MinLength,
            antiforgery = FormToken.For(HttpContext),
        });
        view.StatusCode = status;
        return view;
    }
}
