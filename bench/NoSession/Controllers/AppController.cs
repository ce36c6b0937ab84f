using Microsoft.AspNetCore.Mvc;

namespace NoSession.Controllers;

/// <summary>VisitTracker's home page without a session: the count shown is fixed.</summary>
[Route("")]
public sealed class AppController : Controller
{
    /// <summary>Renders the page with a fixed count.</summary>
    [HttpGet]
    [HttpHead]
    public IActionResult TrackVisits() =>
        View("index", new { message = "You have visited this page 1 time." });
}
