using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// The real app, run as <c>dotnet VisitTracker.dll</c> on a free 127.0.0.1 port, with its SQLite database (and the
/// generated secret beside it) in a temporary data folder. Disposing kills the process, so no test leaves one behind.
/// </summary>
internal sealed class VisitTrackerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private const int SigTerm = 15;

    // Apps still running when the test host exits (a test that never disposed its app) are killed with it.
    private static readonly ConcurrentDictionary<Process, bool> Running = KilledOnExit();

    private readonly Process _process;
    private readonly TempFolder? _ownedData;
    private readonly StringBuilder _output = new();

    private VisitTrackerProcess(Process process, Uri baseAddress, TempFolder? ownedData)
    {
        _process = process;
        BaseAddress = baseAddress;
        _ownedData = ownedData;
    }

    /// <summary>Where the app answers, such as <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>What the app wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the app and waits until it serves requests. Give the same <paramref name="data"/> folder to a second
    /// start to restart the app on the same database; without one, the app gets its own folder, deleted on dispose.
    /// </summary>
    /// <param name="data">The folder holding the app's database.</param>
    /// <param name="portFromEnvironment">Give the port as the <c>PORT</c> variable instead of <c>--urls</c>.</param>
    /// <param name="environment">More environment variables for the app.</param>
    public static async Task<VisitTrackerProcess> StartAsync(
        TempFolder? data = null, bool portFromEnvironment = false, IReadOnlyDictionary<string, string>? environment = null)
    {
        var ownedData = data is null ? new TempFolder() : null;
        // Another process may take the free port before the app binds it; then the app exits and we try another.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var app = Launch(data ?? ownedData!, port, portFromEnvironment, environment, ownedData);
            try
            {
                await app.WaitUntilServingAsync();
                return app;
            }
            catch (AppExitedException) when (attempt < 3 && app.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                await app.DisposeProcessAsync();
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Stops the app as a service manager would (SIGTERM), waits for it to exit, and checks it shut down cleanly.</summary>
    public async Task StopAsync()
    {
        if (SendSignal(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}.");
        }

        using var timeout = new CancellationTokenSource(StopTimeout);
        await _process.WaitForExitAsync(timeout.Token);
        Assert.True(_process.ExitCode == 0, $"VisitTracker exited with code {_process.ExitCode} on SIGTERM. Output:\n{Output}");
    }

    /// <summary>Kills the app at once (SIGKILL, like <c>kill -9</c>): no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        using var timeout = new CancellationTokenSource(StopTimeout);
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>A new HTTP client for the app: no cookie handling, no redirects, no proxy.</summary>
    public HttpClient CreateClient() => new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, UseProxy = false })
    {
        BaseAddress = BaseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public async ValueTask DisposeAsync()
    {
        await DisposeProcessAsync();
        _ownedData?.Dispose();
    }

    private async Task DisposeProcessAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(StopTimeout);
                await _process.WaitForExitAsync(timeout.Token);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }

        Running.TryRemove(_process, out _);
        _process.Dispose();
    }

    private static ConcurrentDictionary<Process, bool> KilledOnExit()
    {
        var running = new ConcurrentDictionary<Process, bool>();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in running.Keys)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }
            }
        };
        return running;
    }

    private static VisitTrackerProcess Launch(
        TempFolder data, int port, bool portFromEnvironment, IReadOnlyDictionary<string, string>? environment, TempFolder? ownedData)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            // Not the app's folder: the app must find its views and static files wherever it is started.
            WorkingDirectory = data.Path,
        };
        start.ArgumentList.Add(AppDll);
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("Session__", StringComparison.OrdinalIgnoreCase) || name.EndsWith("URLS", StringComparison.OrdinalIgnoreCase)
                || name.EndsWith("_PORTS", StringComparison.OrdinalIgnoreCase) || name is "PORT" or "ASPNETCORE_ENVIRONMENT" or "DOTNET_ENVIRONMENT")
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["Session__Sqlite__Path"] = Path.Combine(data.Path, "sessions.db");
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

        var process = new Process { StartInfo = start };
        var app = new VisitTrackerProcess(process, new Uri($"http://127.0.0.1:{port}/"), ownedData);
        process.OutputDataReceived += (_, e) => app.Record(e.Data);
        process.ErrorDataReceived += (_, e) => app.Record(e.Data);
        process.Start();
        Running.TryAdd(process, true);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return app;
    }

    private async Task WaitUntilServingAsync()
    {
        using var client = CreateClient();
        client.Timeout = TimeSpan.FromSeconds(5);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new AppExitedException($"VisitTracker exited with code {_process.ExitCode} before serving. Output:\n{Output}");
            }

            try
            {
                // A static file: it answers once the app is up, and creates no session.
                using var response = await client.GetAsync(new Uri("/css/styles.css", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but slow to start.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"VisitTracker did not serve within {StartTimeout}. Output:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // .NET can't send SIGTERM itself. "libc.so.6": plain "libc" resolves only where libc6-dev is installed. DllImport,
    // not LibraryImport: that one needs unsafe code enabled, for one call with two ints.
    [DllImport("libc.so.6", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private sealed class AppExitedException(string message) : Exception(message);
}
