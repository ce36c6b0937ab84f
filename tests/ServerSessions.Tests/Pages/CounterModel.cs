using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ServerSessions.Tests.Pages;

/// <summary>A Razor Page that counts through ASP.NET Core's ISession, loaded ahead by [LoadSession].</summary>
[LoadSession]
public sealed class CounterModel : PageModel
{
    public int Visits { get; private set; }

    public void OnGet()
    {
        Visits = (HttpContext.Session.GetInt32("visits") ?? 0) + 1;
        HttpContext.Session.SetInt32("visits", Visits);
    }
}
