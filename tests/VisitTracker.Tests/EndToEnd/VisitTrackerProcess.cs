using System.Diagnostics;
using ServerSessions.Testing;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// The real app, run as <c>dotnet VisitTracker.dll</c> on a free 127.0.0.1 port, with its SQLite databases (sessions and
/// users, the generated secret and the Data Protection keys beside them) in a temporary data folder. Disposing kills the
/// process, so no test leaves one behind.
/// </summary>
internal sealed class VisitTrackerProcess : AppProcess
{
    private readonly TempFolder? _ownedData;

    private VisitTrackerProcess(ProcessStartInfo start, int port, TempFolder? ownedData)
        : base("VisitTracker", start, port)
    {
        _ownedData = ownedData;
        if (start.Environment.TryGetValue("Management__Port", out var management) && start.Environment["Management__Enabled"] == "true")
        {
            MetricsAddress = new Uri($"http://127.0.0.1:{management}/metrics");
        }
    }

    /// <summary>The management port's <c>/metrics</c>, when the app was started with one.</summary>
    public Uri? MetricsAddress { get; }

    /// <summary>
    /// Starts the app and waits until it serves requests. Give the same <paramref name="data"/> folder to a second
    /// start to restart the app on the same database; without one, the app gets its own folder, deleted on dispose.
    /// </summary>
    /// <param name="data">The folder holding the app's database.</param>
    /// <param name="portFromEnvironment">Give the port as the <c>PORT</c> variable instead of <c>--urls</c>.</param>
    /// <param name="environment">More environment variables for the app.</param>
    /// <param name="managementPort">
    /// Open the management port (on a free port, see <see cref="MetricsAddress"/>); without it the app opens none, so that
    /// apps started side by side do not contend for the default one.
    /// </param>
    /// <param name="defaultDataPaths">Leave the data paths unset, to the app's defaults, instead of files in <paramref name="data"/>.</param>
    /// <exception cref="AppExitedException">The app exited before serving (a startup error).</exception>
    public static Task<VisitTrackerProcess> StartAsync(
        TempFolder? data = null, bool portFromEnvironment = false, IReadOnlyDictionary<string, string>? environment = null,
        bool managementPort = false, bool defaultDataPaths = false)
    {
        var ownedData = data is null ? new TempFolder() : null;
        return StartAsync(port =>
        {
            var start = StartInfo(data ?? ownedData!, port, portFromEnvironment, environment, defaultDataPaths);
            if (managementPort)
            {
                start.Environment["Management__Enabled"] = "true";
                start.Environment["Management__Port"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return new VisitTrackerProcess(start, port, ownedData);
        });
    }

    /// <summary>Starts the app with its sessions in <paramref name="redis"/> (<c>Session__Store=Redis</c>), signed with <paramref name="secret"/>.</summary>
    /// <param name="redis">The Redis server.</param>
    /// <param name="secret">The secret, the same for every app that shares the sessions.</param>
    /// <param name="environment">More environment variables for the app.</param>
    public static Task<VisitTrackerProcess> StartOnRedisAsync(RedisServer redis, string secret, IReadOnlyDictionary<string, string>? environment = null)
    {
        var variables = new Dictionary<string, string>
        {
            ["Session__Store"] = "Redis",
            ["Session__Redis__Configuration"] = redis.ConfigurationString,
            ["Session__Secret"] = secret,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            variables[name] = value;
        }

        return StartAsync(environment: variables);
    }

    /// <summary>The users database of an app started on <paramref name="data"/> (its Data Protection keys are beside it, in <c>keys/</c>).</summary>
    public static string UsersPath(TempFolder data) => Path.Combine(data.Path, "users.db");

    /// <inheritdoc cref="Visitor.CountIn"/>
    public override int CountIn(string html) => Visitor.CountIn(html);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _ownedData?.Dispose();
    }

    private static ProcessStartInfo StartInfo(
        TempFolder data, int port, bool portFromEnvironment, IReadOnlyDictionary<string, string>? environment, bool defaultDataPaths)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            // Not the app's folder: the app must find its views and static files wherever it is started.
            WorkingDirectory = data.Path,
        };
        start.ArgumentList.Add(AppDll);
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("Session__", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Users__", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("SignInLimits__", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("Management__", StringComparison.OrdinalIgnoreCase) || name.EndsWith("URLS", StringComparison.OrdinalIgnoreCase)
                || name.EndsWith("_PORTS", StringComparison.OrdinalIgnoreCase) || name is "PORT" or "ASPNETCORE_ENVIRONMENT" or "DOTNET_ENVIRONMENT")
            {
                start.Environment.Remove(name);
            }
        }

        if (!defaultDataPaths)
        {
            start.Environment["Session__Sqlite__Path"] = Path.Combine(data.Path, "sessions.db");
            start.Environment["Users__Path"] = UsersPath(data);
        }

        start.Environment["Management__Enabled"] = "false";
        if (portFromEnvironment)
        {
            start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            start.ArgumentList.Add("--urls");
            start.ArgumentList.Add($"http://127.0.0.1:{port}");
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>The app's build output, which the test project copies beside its own.</summary>
    private static string AppDll
    {
        get
        {
            var dll = typeof(Program).Assembly.Location;
            var runtimeConfig = Path.ChangeExtension(dll, ".runtimeconfig.json");
            Assert.True(File.Exists(runtimeConfig), $"{runtimeConfig} is missing: {dll} cannot be started with dotnet.");
            return dll;
        }
    }
}
