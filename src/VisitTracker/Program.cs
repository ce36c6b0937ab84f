using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using ServerSessions;
using VisitTracker;
using VisitTracker.Operations;
using VisitTracker.SignIn;
using VisitTracker.Users;

// `VisitTracker add-user NAME` (password on standard input) creates a user and exits.
if (args is [AddUserCommand.Name, ..])
{
    return await AddUserCommand.RunAsync(args[1..], Console.In, Console.Out, Console.Error);
}

// The page's host: MVC with Handlebars views, static files from public/, trust proxy 1 (from trusted peers), no Server header.
var builder = VisitTrackerPage.CreateBuilder(args);

// Sessions with the seed's settings but its secret: one in source signs cookies anyone can forge. Session__Secret (or
// Session__Secrets__0, …) sets one; without it, a 256-bit secret is generated once and kept beside the SQLite database
// (Session__Sqlite__Path, default data/sessions.db). Every relative path in VisitTracker's settings is resolved against
// the working directory, so `dotnet run` from the repository keeps data in ./data. Sessions live in SQLite unless Session__Store=Memory, or
// Session__Store=Redis with Session__Redis__Configuration (127.0.0.1:6379): shared by every instance and by express
// apps on connect-redis, so that one requires Session__Secret, the same everywhere.
builder.Services.AddServerSessions(builder.Configuration.GetSection("Session"), options =>
{
    options.Resave = false;
    options.SaveUninitialized = false;
    options.Cookie.Secure = CookieSecure.Auto; // the seed's false, made safe: Secure exactly when the request is HTTPS (or a trusted proxy says so)
    options.Cookie.SameSite = CookieSameSite.Lax;
    options.Store ??= "Sqlite";
}).AddSqliteStore(sqlite => sqlite.Path = FullPathOrAsGiven(sqlite.Path)!).AddRedisStore();
builder.Services.PostConfigure<ServerSessionOptions>(session => session.SecretFile = FullPathOrAsGiven(session.SecretFile));

// Users in SQLite (Users__Path, default data/users.db in the working directory), shared by every process on this machine that
// names the same file; passwords hashed with ASP.NET Core Identity's hasher.
var users = UsersOptions.From(builder.Configuration);
builder.Services.AddSingleton(_ => new UserDatabase(users.FullPath, TimeProvider.System));
builder.Services.AddSingleton<IPasswordHasher<UserRecord>, PasswordHasher<UserRecord>>();
builder.Services.AddSingleton<UserAccounts>();
var signInLimits = SignInLimitsOptions.From(builder.Configuration);
builder.Services.AddSingleton(services => new SignInLimiter(
    signInLimits, services.GetRequiredService<ILogger<SignInLimiter>>(), services.GetRequiredService<VisitTrackerMetrics>()));

// Every POST carries an antiforgery token (VisitTrackerPage), whose keys persist beside the users, or in Redis.
builder.Services.AddVisitTrackerDataProtection(builder.Configuration, users.FullPath);

// Signing in is Passport's layout in the session (passport.user = the user's name); each authenticated request checks
// that the user still exists and that the session's security stamp is still theirs, or signs the session out.
builder.Services.AddAuthentication(ServerSessionAuthenticationDefaults.AuthenticationScheme)
    .AddServerSession(options => options.Events.OnValidateUser = async context =>
    {
        var accounts = context.HttpContext.RequestServices.GetRequiredService<UserAccounts>();
        var stamp = context.TryGetSessionValue<string>(SessionUser.StampKey, out var value) ? value : null;
        if (!await SessionUser.IsValidAsync(accounts, context.User, stamp, context.HttpContext.RequestAborted))
        {
            context.RejectUser();
        }
    });

// Metrics on the management port (Management__Port, default 9464 on 127.0.0.1; Management__Enabled=false closes it), and
// the health endpoints /healthz and /readyz on the app's own port.
var management = ManagementOptions.From(builder.Configuration);
builder.Services.AddVisitTrackerTelemetry(management);
builder.Services.AddVisitTrackerHealthChecks();

// Start the app on port 3000 (or PORT) of localhost; --urls or ASPNETCORE_URLS override both.
var app = builder.Build();
app.ListenOn(AppUrls(app.Configuration), management).UseHealthEndpoints().UsePage(page => page.UseServerSessions());

// The users table and the dummy hash are made now, so that a bad Users:Path stops the app before it serves.
app.Services.GetRequiredService<UserAccounts>();
DataPaths.Log(app, users.FullPath);

try
{
    await app.RunAsync();
}
catch (Exception ex) when (management.IsInUse(ex))
{
    await Console.Error.WriteLineAsync(
        $"{management.Url}, the management port, is in use (another VisitTracker on this machine?): give each instance its own " +
        "Management:Port (Management__Port), or set Management:Enabled=false.");
    return 1;
}

return 0;

// Kestrel listens on these and the management URL; "urls" (from --urls or ASPNETCORE_URLS) would otherwise be ignored.
static string[] AppUrls(IConfiguration configuration) =>
    configuration["urls"] is { Length: > 0 } urls
        ? urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        : [$"http://localhost:{Port(configuration["PORT"])}"];

// Checked, because Kestrel reads a URL like http://localhost:abc as port 80 on every interface.
static int Port(string? value) =>
    value is null ? 3000
    : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535 ? port
    : throw new InvalidOperationException($"PORT must be a TCP port number (0-65535), not '{value}'.");

// A relative path against the working directory; an empty one as given, for the setting's own check to name it.
static string? FullPathOrAsGiven(string? path) => string.IsNullOrWhiteSpace(path) ? path : Path.GetFullPath(path);
