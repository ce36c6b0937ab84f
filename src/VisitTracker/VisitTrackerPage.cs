using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Mvc;
using VisitTracker.Handlebars;

namespace VisitTracker;

/// <summary>
/// The page's host around whatever session layer runs it: MVC with the Handlebars view engine, static files, forwarded
/// headers, authentication and authorization, and an antiforgery check on every POST. VisitTracker uses it with
/// ServerSessions (and its sign-in scheme); the load test's other contenders (bench/NoSession, bench/AspNetCoreSession)
/// link this file, so that only the session layer, and what reads it, differs between them.
/// </summary>
internal static class VisitTrackerPage
{
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        // The content root is the app's own folder, so views/ and public/ are found from any working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = "public",
        });

        // Handlebars as the view engine: views/<name>.hbs, with views/partials/*.hbs as partials.
        builder.Services.AddControllersWithViews()
            .AddHandlebarsViews(Path.Combine(builder.Environment.ContentRootPath, "views"));

        // Trust proxy 1, as in Express, but only from trusted peers: X-Forwarded-For and X-Forwarded-Proto are believed one
        // hop deep from loopback (a proxy on this machine), or from the addresses and networks in ForwardedHeaders:KnownProxies
        // and ForwardedHeaders:KnownNetworks. A client that reaches the port directly can claim neither HTTPS nor an address.
        var trusted = TrustedProxies.From(builder.Configuration);
        builder.Services.Configure<ForwardedHeadersOptions>(trusted.ApplyTo);

        // Authentication (VisitTracker adds its scheme; without one it authenticates nobody) and authorization, and every
        // POST carries an antiforgery token (400 without one): here rather than in VisitTracker alone, so that the load
        // test's ceiling runs them too (issue 17's yardstick).
        builder.Services.AddAuthentication();
        builder.Services.AddAuthorization();
        builder.Services.Configure<MvcOptions>(mvc => mvc.Filters.Add(new AutoValidateAntiforgeryTokenAttribute()));

        // No Server header (and, unlike Express, there is no X-Powered-By to remove).
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        return builder;
    }

    /// <summary>
    /// The pipeline: forwarded headers, static files (before the session, so assets never touch one), then
    /// <paramref name="session"/>'s middleware, authentication (which may read the session), authorization, then the
    /// controllers.
    /// </summary>
    public static WebApplication UsePage(this WebApplication app, Action<WebApplication> session)
    {
        app.UseForwardedHeaders();
        app.UseStaticFiles();
        session(app);
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapControllers();
        return app;
    }
}
