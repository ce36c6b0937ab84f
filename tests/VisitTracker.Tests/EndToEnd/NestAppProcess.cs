using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ServerSessions.Testing;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// The seed's NestJS app (<c>tests/interop/nestjs-app</c>, express-session and connect-redis), run as
/// <c>node dist/main.js</c> on a free 127.0.0.1 port: the peer VisitTracker must share sessions with. <c>./test.sh</c>
/// builds it.
/// </summary>
internal sealed partial class NestAppProcess : AppProcess
{
    private const string AppFolder = "tests/interop/nestjs-app";

    private NestAppProcess(ProcessStartInfo start, int port)
        : base("The NestJS app", start, port)
    {
    }

    /// <summary>
    /// Starts the app with its sessions in <paramref name="redis"/> (connect-redis, keys <c>sess:&lt;id&gt;</c>), signed
    /// with <paramref name="secret"/>, and waits until it serves requests.
    /// </summary>
    /// <param name="redis">The Redis server.</param>
    /// <param name="secret">express-session's <c>secret</c>.</param>
    /// <exception cref="AppExitedException">The app exited before serving.</exception>
    public static Task<NestAppProcess> StartAsync(RedisServer redis, string secret)
    {
        var folder = Folder();
        return StartAsync(port =>
        {
            var start = new ProcessStartInfo("node") { WorkingDirectory = folder };
            start.ArgumentList.Add(Path.Combine("dist", "main.js"));
            foreach (var name in new[] { "PORT", "HOST", "REDIS_URL", "SESSION_SECRET", "SESSION_NAME", "NODE_OPTIONS" })
            {
                start.Environment.Remove(name);
            }

            start.Environment["NODE_ENV"] = "production";
            start.Environment["HOST"] = "127.0.0.1";
            start.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
            start.Environment["REDIS_URL"] = $"redis://127.0.0.1:{redis.Port}";
            start.Environment["SESSION_SECRET"] = secret;
            return new NestAppProcess(start, port);
        });
    }

    /// <summary>The count in the seed's message, which is always plural ("You have visited this page 1 times.").</summary>
    public override int CountIn(string html)
    {
        var match = Message().Match(html);
        Assert.True(match.Success, $"No visit message in the NestJS app's page:\n{html}");
        return int.Parse(match.Groups["count"].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>The app's folder, found from the test assembly up to the repository root; it must have been built.</summary>
    private static string Folder()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var folder = Path.Combine(directory.FullName, AppFolder);
            if (File.Exists(Path.Combine(folder, "package.json")))
            {
                Assert.True(File.Exists(Path.Combine(folder, "dist", "main.js")),
                    $"{folder}/dist/main.js is missing: the NestJS app is not built. Run ./test.sh (it runs npm ci && npm run build there).");
                return folder;
            }
        }

        throw new InvalidOperationException($"{AppFolder} was not found above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"<h1>You have visited this page (?<count>\d+) times\.</h1>")]
    private static partial Regex Message();
}
