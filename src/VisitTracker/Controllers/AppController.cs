using Microsoft.AspNetCore.Mvc;
using ServerSessions;
using VisitTracker.Pages;

namespace VisitTracker.Controllers;

/// <summary>The home page, which counts the visits of each browser session and greets a signed-in user.</summary>
[Route("")]
public sealed class AppController : Controller
{
    /// <summary>Counts this visit in the session and renders the count.</summary>
    /// <remarks>
    /// HEAD counts exactly like GET, because Express answers HEAD with the GET route: same headers (a new session
    /// gets its cookie), no body.
    /// </remarks>
    /// <param name="session">This request's session (NestJS's <c>@Session()</c>).</param>
    [HttpGet]
    [HttpHead]
    public IActionResult TrackVisits([FromSession] ServerSession session)
    {
        ArgumentNullException.ThrowIfNull(session);

        var visits = session.Get<int>("visits") + 1;
        session.Set("visits", visits);

        // A view answers 200 OK, as res.status(HttpStatus.OK).render() does. Only a signed-in page greets and carries a
        // sign-out form (and so an antiforgery token): the anonymous page costs what it did before sign-in existed.
        var message = $"You have visited this page {visits} {(visits == 1 ? "time" : "times")}.";
        return User.Identity?.IsAuthenticated == true
            ? View("index", new { message, user = User.Identity.Name, antiforgery = FormToken.For(HttpContext) })
            : View("index", new { message });
    }
}
