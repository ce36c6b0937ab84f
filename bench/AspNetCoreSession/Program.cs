using VisitTracker;

// VisitTracker's app on ASP.NET Core's built-in session (AddSession/UseSession, HttpContext.Session) instead of
// ServerSessions: the same MVC + Handlebars page, static files and forwarded headers. The session's cache is
// chosen by configuration: Cache=Memory (default, AddDistributedMemoryCache) or Cache=Redis with
// Redis=<StackExchange.Redis configuration> (AddStackExchangeRedisCache). Listens where --urls says.
var builder = VisitTrackerPage.CreateBuilder(args);

switch (builder.Configuration["Cache"] ?? "Memory")
{
    case "Memory":
        builder.Services.AddDistributedMemoryCache();
        break;
    case "Redis":
        var redis = builder.Configuration["Redis"]
            ?? throw new InvalidOperationException("Cache=Redis needs Redis=<configuration>, e.g. Redis=127.0.0.1:6379.");
        builder.Services.AddStackExchangeRedisCache(options => options.Configuration = redis);
        break;
    case var other:
        throw new InvalidOperationException($"Cache must be Memory or Redis, not '{other}'.");
}

// The seed's cookie settings (SameSite=Lax, HttpOnly, not Secure) and express-session's idle lifetime of a day.
builder.Services.AddSession(options =>
{
    options.IdleTimeout = TimeSpan.FromDays(1);
    options.Cookie.HttpOnly = true;
    options.Cookie.SameSite = SameSiteMode.Lax;
    options.Cookie.SecurePolicy = CookieSecurePolicy.None;
});

builder.Build().UsePage(app => app.UseSession()).Run();
