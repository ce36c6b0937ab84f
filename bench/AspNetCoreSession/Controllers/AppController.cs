using Microsoft.AspNetCore.Mvc;

namespace AspNetCoreSession.Controllers;

/// <summary>VisitTracker's home page, counting visits in ASP.NET Core's built-in session.</summary>
[Route("")]
public sealed class AppController : Controller
{
    /// <summary>Counts this visit in the session and renders the count.</summary>
    /// <remarks>
    /// The session is loaded asynchronously first, as ServerSessions loads it: without it, the built-in session
    /// loads synchronously on first use, blocking a thread on the cache (Redis) — unfair to it and not what its
    /// docs recommend.
    /// </remarks>
    [HttpGet]
    [HttpHead]
    public async Task<IActionResult> TrackVisits()
    {
        var session = HttpContext.Session;
        await session.LoadAsync(HttpContext.RequestAborted);

        var visits = (session.GetInt32("visits") ?? 0) + 1;
        session.SetInt32("visits", visits);

        return View("index", new { message = $"You have visited this page {visits} {(visits == 1 ? "time" : "times")}." });
    }
}
