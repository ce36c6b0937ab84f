using Microsoft.AspNetCore.Mvc.Filters;

namespace VisitTracker.Pages;

/// <summary>
/// A page with a user's own data or a password form: no cache keeps it (so the back button after signing out shows
/// nothing), no other site may frame it (clickjacking), and no browser guesses another content type.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
internal sealed class PrivatePageAttribute : ResultFilterAttribute
{
    public override void OnResultExecuting(ResultExecutingContext context)
    {
        // After the action, so these win over the antiforgery token's own (no-cache, SAMEORIGIN).
        var headers = context.HttpContext.Response.Headers;
        headers.CacheControl = "no-store";
        headers.Pragma = "no-cache";
        headers.XFrameOptions = "DENY";
        headers.ContentSecurityPolicy = "frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
    }
}
