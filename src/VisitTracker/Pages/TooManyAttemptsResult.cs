using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace VisitTracker.Pages;

/// <summary><c>429 Too Many Requests</c> with <c>Retry-After</c> (whole seconds) and a page saying when to try again.</summary>
internal sealed class TooManyAttemptsResult(TimeSpan retryAfter) : IActionResult
{
    public Task ExecuteResultAsync(ActionContext context)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var wait = seconds < 120 ? $"{seconds} seconds" : $"{(seconds + 59) / 60} minutes";
        var view = new ViewResult
        {
            ViewName = "too-many-attempts",
            StatusCode = StatusCodes.Status429TooManyRequests,
            ViewData = new ViewDataDictionary(new Microsoft.AspNetCore.Mvc.ModelBinding.EmptyModelMetadataProvider(), context.ModelState)
            {
                Model = new { wait },
            },
        };
        return view.ExecuteResultAsync(context);
    }
}
