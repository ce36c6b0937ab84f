using System.Globalization;
using ServerSessions;
using VisitTracker;

// The page's host: MVC with Handlebars views, static files from public/, trust proxy 1 (from trusted peers), no Server header.
var builder = VisitTrackerPage.CreateBuilder(args);

// Sessions with the seed's settings but its secret: one in source signs cookies anyone can forge. Session__Secret (or
// Session__Secrets__0, …) sets one; without it, a 256-bit secret is generated once and kept beside the SQLite database. Sessions live in SQLite unless Session__Store=Memory, or
// Session__Store=Redis with Session__Redis__Configuration (127.0.0.1:6379): shared by every instance and by express
// apps on connect-redis, so that one requires Session__Secret, the same everywhere.
builder.Services.AddServerSessions(builder.Configuration.GetSection("Session"), options =>
{
    options.Resave = false;
    options.SaveUninitialized = false;
    options.Cookie.Secure = CookieSecure.Auto; // the seed's false, made safe: Secure exactly when the request is HTTPS (or a trusted proxy says so)
    options.Cookie.SameSite = CookieSameSite.Lax;
    options.Store ??= "Sqlite";
}).AddSqliteStore().AddRedisStore();

var app = builder.Build().UsePage(page => page.UseServerSessions());

// Start the app on port 3000 (or PORT) of localhost; --urls or ASPNETCORE_URLS override both.
app.Run(app.Configuration["urls"] is null ? $"http://localhost:{Port(app.Configuration["PORT"])}" : null);

// Checked, because Kestrel reads a URL like http://localhost:abc as port 80 on every interface.
static int Port(string? value) =>
    value is null ? 3000
    : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535 ? port
    : throw new InvalidOperationException($"PORT must be a TCP port number (0-65535), not '{value}'.");
