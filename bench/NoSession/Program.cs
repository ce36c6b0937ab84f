using Microsoft.AspNetCore.HttpOverrides;
using VisitTracker.Handlebars;

// VisitTracker's app with the session taken out: the same MVC + Handlebars page, static files and forwarded headers,
// so the load test measures what a session layer costs against it. Listens where --urls says (run.sh: loopback).
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

var app = builder.Build();
app.UseForwardedHeaders();
app.UseStaticFiles();
app.MapControllers();
app.Run();
