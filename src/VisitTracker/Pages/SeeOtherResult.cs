using Microsoft.AspNetCore.Mvc;

namespace VisitTracker.Pages;

/// <summary>
/// <c>303 See Other</c> to a local URL: after a form's POST, the browser GETs the next page, so reloading it never
/// sends the form again.
/// </summary>
internal sealed class SeeOtherResult(string location) : IActionResult
{
    public Task ExecuteResultAsync(ActionContext context)
    {
        context.HttpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.HttpContext.Response.Headers.Location = location;
        return Task.CompletedTask;
    }
}
