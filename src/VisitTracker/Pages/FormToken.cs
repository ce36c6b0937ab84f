using Microsoft.AspNetCore.Antiforgery;

namespace VisitTracker.Pages;

/// <summary>The antiforgery token a page's forms carry as <c>__RequestVerificationToken</c> (its cookie half is set with it).</summary>
internal static class FormToken
{
    public static string? For(HttpContext context) =>
        context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context).RequestToken;
}
