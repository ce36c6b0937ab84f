using Microsoft.AspNetCore.HttpOverrides;
using VisitTracker.Handlebars;

namespace VisitTracker.Bench;

/// <summary>
/// VisitTracker's page as the load test's other contenders host it: the same MVC + Handlebars view engine, static
/// files and forwarded headers as src/VisitTracker/Program.cs, so that only the session layer differs. Listens where
/// --urls says (run.sh: loopback).
/// </summary>
internal static class VisitTrackerPage
{
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = "public",
        });

        builder.Services.AddControllersWithViews()
            .AddHandlebarsViews(Path.Combine(builder.Environment.ContentRootPath, "views"));

        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.ForwardLimit = 1;
            options.KnownIPNetworks.Clear();
            options.KnownProxies.Clear();
        });

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        return builder;
    }

    /// <summary>Runs the app: forwarded headers, static files, then <paramref name="session"/>'s middleware, then the controllers.</summary>
    public static void Run(WebApplication app, Action<WebApplication>? session = null)
    {
        app.UseForwardedHeaders();
        app.UseStaticFiles();
        session?.Invoke(app);
        app.MapControllers();
        app.Run();
    }
}
