using System.Globalization;
using Microsoft.AspNetCore.HttpOverrides;
using ServerSessions;
using VisitTracker.Handlebars;

// Create the app. Its content root is its own folder, so views/ and public/ are found from any working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
    WebRootPath = "public",
});

// Handlebars as the view engine: views/<name>.hbs, with views/partials/*.hbs as partials.
builder.Services.AddControllersWithViews()
    .AddHandlebarsViews(Path.Combine(builder.Environment.ContentRootPath, "views"));

// Trust proxy 1, as in Express: X-Forwarded-For and X-Forwarded-Proto are believed one hop deep, from the nearest hop
// whatever its address (hence no known proxies). Right behind one reverse proxy (Nginx) that sets them. The risk: a
// client that reaches the port directly can claim any address or HTTPS; here that affects only logged addresses and,
// with Session__Cookie__Secure=auto, whether the cookie is marked Secure.
builder.Services.Configure<ForwardedHeadersOptions>(options =>
{
    options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
    options.ForwardLimit = 1;
    options.KnownIPNetworks.Clear();
    options.KnownProxies.Clear();
});

// Sessions with the seed's settings. The seed's secret 'my-secret' is gone on purpose: a secret in source signs
// cookies anyone can forge. Session__Secret (or Session__Secrets__0, …) sets one; without it, a 256-bit secret is
// generated once and kept beside the SQLite database. Sessions live in SQLite unless Session__Store=Memory, or
// Session__Store=Redis with Session__Redis__Configuration (127.0.0.1:6379): shared by every instance and by express
// apps on connect-redis, so that one requires Session__Secret, the same everywhere.
builder.Services.AddServerSessions(builder.Configuration.GetSection("Session"), options =>
{
    options.Resave = false;
    options.SaveUninitialized = false;
    options.Cookie.Secure = CookieSecure.False;
    options.Cookie.SameSite = CookieSameSite.Lax;
    options.Store ??= "Sqlite";
}).AddSqliteStore().AddRedisStore();

// No Server header (and, unlike Express, there is no X-Powered-By to remove).
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);

var app = builder.Build();
app.UseForwardedHeaders();

// Static assets from public/ are served before the session middleware, so they never touch a session.
app.UseStaticFiles();
app.UseServerSessions();
app.MapControllers();

// Start the app on port 3000 (or PORT) of localhost; --urls or ASPNETCORE_URLS override both.
app.Run(app.Configuration["urls"] is null ? $"http://localhost:{Port(app.Configuration["PORT"])}" : null);

// Checked, because Kestrel reads a URL like http://localhost:abc as port 80 on every interface.
static int Port(string? value) =>
    value is null ? 3000
    : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535 ? port
    : throw new InvalidOperationException($"PORT must be a TCP port number (0-65535), not '{value}'.");
