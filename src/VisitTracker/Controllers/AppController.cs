using Microsoft.AspNetCore.Mvc;
using ServerSessions;

namespace VisitTracker.Controllers;

/// <summary>The home page, which counts the visits of each browser session.</summary>
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

        // A view answers 200 OK, as res.status(HttpStatus.OK).render() does.
        return View("index", new { message = $"You have visited this page {visits} {(visits == 1 ? "time" : "times")}." });
    }
}
