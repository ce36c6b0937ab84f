using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// A web app under test, run as a real process on a free 127.0.0.1 port with its stdout and stderr recorded. Starting
/// waits until it serves <c>/css/styles.css</c> (or the app's <see cref="ReadyPath"/>); disposing kills it, and so does the test host's exit, so no test
/// leaves one behind.
/// </summary>
internal abstract class AppProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private const int SigTerm = 15;

    // Apps still running when the test host exits (a test that never disposed its app) are killed with it.
    private static readonly ConcurrentDictionary<Process, bool> Running = KilledOnExit();

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    /// <param name="name">The app's name in failure messages.</param>
    /// <param name="start">The command, arguments and environment; output redirection is set here.</param>
    /// <param name="port">The 127.0.0.1 port the command makes the app listen on.</param>
    protected AppProcess(string name, ProcessStartInfo start, int port)
    {
        Name = name;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Record(e.Data);
        _process.ErrorDataReceived += (_, e) => Record(e.Data);
    }

    /// <summary>The app's name, such as <c>VisitTracker</c>.</summary>
    public string Name { get; }

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

    /// <summary>Reads the visit count off the app's page, checking the page's wording.</summary>
    public abstract int CountIn(string html);

    /// <summary>A path the app answers with 200 once it is up, without creating a session.</summary>
    protected virtual string ReadyPath => "/css/styles.css";

    /// <summary>Stops the app as a service manager would (SIGTERM), waits for it to exit, and checks it shut down cleanly.</summary>
    public async Task StopAsync()
    {
        if (SendSignal(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}.");
        }

        using var timeout = new CancellationTokenSource(StopTimeout);
        await _process.WaitForExitAsync(timeout.Token);
        Assert.True(_process.ExitCode == 0, $"{Name} exited with code {_process.ExitCode} on SIGTERM. Output:\n{Output}");
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

    public virtual async ValueTask DisposeAsync()
    {
        await DisposeProcessAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Starts the app that <paramref name="launch"/> makes for a free port, and waits until it serves requests. Another
    /// process may take the free port before the app binds it; then the app exits and another port is tried.
    /// </summary>
    /// <exception cref="AppExitedException">The app exited before serving; the message has its output.</exception>
    protected static async Task<TApp> StartAsync<TApp>(Func<int, TApp> launch)
        where TApp : AppProcess
    {
        for (var attempt = 1; ; attempt++)
        {
            var app = launch(FreePort());
            try
            {
                app.Start();
                await app.WaitUntilServingAsync();
                return app;
            }
            catch (AppExitedException) when (attempt < 3 && app.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                // Only the process: what the next attempt reuses (a data folder) stays.
                await app.DisposeProcessAsync();
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }
        }
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
            // Never started, or it exited between the check and the kill.
        }

        Running.TryRemove(_process, out _);
        _process.Dispose();
    }

    private void Start()
    {
        try
        {
            _process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"{Name} could not be started: '{_process.StartInfo.FileName}' failed: {ex.Message}", ex);
        }

        Running.TryAdd(_process, true);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private async Task WaitUntilServingAsync()
    {
        using var client = CreateClient();
        client.Timeout = TimeSpan.FromSeconds(5);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                // The exit is seen before the last output lines are read; wait for them, as they say why.
                using (var drained = new CancellationTokenSource(StopTimeout))
                {
                    await _process.WaitForExitAsync(drained.Token);
                }

                throw new AppExitedException(_process.ExitCode, $"{Name} exited with code {_process.ExitCode} before serving. Output:\n{Output}");
            }

            try
            {
                // A static file: it answers once the app is up, and creates no session.
                using var response = await client.GetAsync(new Uri(ReadyPath, UriKind.Relative));
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

            if (waited.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"{Name} did not serve within {StartTimeout}. Output:\n{Output}");
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

    /// <summary>A 127.0.0.1 port nothing listens on now.</summary>
    protected static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // .NET can't send SIGTERM itself. "libc.so.6": plain "libc" resolves only where libc6-dev is installed. DllImport,
    // not LibraryImport: that one needs unsafe code enabled, for one call with two ints.
    [DllImport("libc.so.6", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
