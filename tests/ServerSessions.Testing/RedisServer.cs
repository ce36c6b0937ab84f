using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ServerSessions.Testing;

/// <summary>
/// A real <c>redis-server</c> for tests, started from the PATH on a free loopback port with its own temporary folder,
/// and killed (its folder deleted) on dispose. <see cref="Shared"/> is one server for a whole test run, or the one
/// <c>REDIS_URL</c> names. Every wait is bounded; a server outlives neither its test nor the test process (each runs
/// under a small shell that kills it when the test process's pipe to it closes, even after a crash).
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    /// <summary>What a test fails with when there is no redis-server to start.</summary>
    public const string MissingMessage = "redis-server is missing: apt-get install redis-server (./test.sh installs it)";

    private const string Host = "127.0.0.1";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    // Started on the thread pool, so a test that blocks on it cannot deadlock xunit's synchronization context.
    private static readonly Lazy<Task<RedisServer>> SharedServer = new(() => Task.Run(StartSharedAsync));

    // $1: the server's folder; the rest: redis-server's arguments. Prints redis-server's PID, then waits for a line or
    // the end of its standard input (the test process closed the pipe, or died), kills redis-server and, unless the
    // line was "keep" (a stop before a restart), deletes the folder.
    private const string Supervisor = """
        dir=$1; shift
        redis-server "$@" </dev/null >>"$dir/redis.out" 2>&1 &
        echo $!
        read -r keep || keep=
        kill -9 $! 2>/dev/null
        wait
        [ "$keep" = keep ] || rm -rf "$dir"
        """;

    private readonly string[] _arguments;
    private readonly string? _password;
    private readonly Lock _lock = new();
    private Process? _supervisor;
    private int _pid;
    private bool _disposed;

    private RedisServer(int port, string? directory, string[] arguments, string? password = null, string? configurationString = null)
    {
        Port = port;
        Directory = directory;
        _arguments = arguments;
        _password = password;
        ConfigurationString = configurationString ?? $"{Host}:{port}";
    }

    /// <summary>
    /// One server for every test of the run that just needs Redis: the one <c>REDIS_URL</c> (<c>redis://host:port</c>)
    /// names when it is set, else a server started on first use and killed when the test process exits. Tests that
    /// stop a server use <see cref="StartAsync(bool)"/> instead, and tests on the shared one use keys of their own.
    /// </summary>
    public static Task<RedisServer> Shared => SharedServer.Value;

    /// <summary>The server's port on 127.0.0.1 (or on the host <c>REDIS_URL</c> names).</summary>
    public int Port { get; }

    /// <summary>The server's folder (<c>--dir</c>), or <see langword="null"/> for the one <c>REDIS_URL</c> names.</summary>
    public string? Directory { get; }

    /// <summary>The StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>.</summary>
    public string ConfigurationString { get; }

    /// <summary>Whether this is the server <c>REDIS_URL</c> names, which tests neither stop nor restart.</summary>
    public bool IsExternal => Directory is null;

    /// <summary>
    /// Starts <c>redis-server</c> from the PATH on a free 127.0.0.1 port and waits until it answers <c>PING</c>.
    /// </summary>
    /// <param name="persistence">Whether writes survive <see cref="StopAsync"/> and <see cref="RestartAsync"/> (an append-only file).</param>
    /// <returns>The running server.</returns>
    /// <exception cref="InvalidOperationException">redis-server is not on the PATH, or did not start; the message says why.</exception>
    public static Task<RedisServer> StartAsync(bool persistence = false) =>
        StartAsync(persistence ? ["--appendonly", "yes"] : ["--appendonly", "no"], clusterPort: false);

    /// <summary>Stops the server gracefully (<c>SHUTDOWN</c>, so an append-only file is complete), killing it if it lingers.</summary>
    /// <returns>A task that completes when the process has exited.</returns>
    public async Task StopAsync()
    {
        ThrowIfExternal();
        await SendShutdownAsync();
        await WaitUntilExitedAsync(_pid, StopTimeout);
        await EndSupervisorAsync(keepDirectory: true);
    }

    /// <summary>Starts the server again on the same port and folder, after <see cref="StopAsync"/>.</summary>
    /// <returns>A task that completes when the server answers <c>PING</c>.</returns>
    public async Task RestartAsync()
    {
        ThrowIfExternal();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_supervisor is not null)
            {
                throw new InvalidOperationException("The Redis server is running; stop it before restarting it.");
            }
        }

        await LaunchAsync();
    }

    /// <summary>Kills the server and deletes its folder. Nothing for the server <c>REDIS_URL</c> names.</summary>
    /// <returns>A task that completes when the process is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (IsExternal)
        {
            return;
        }

        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await EndSupervisorAsync(keepDirectory: false);
        DeleteDirectory();
    }

    /// <summary>Sends one command and returns the reply as text (a status, an error, an integer or a bulk string).</summary>
    /// <param name="arguments">The command and its arguments, e.g. <c>"CLUSTER", "INFO"</c>.</param>
    /// <returns>The reply; errors start with <c>-</c>.</returns>
    public Task<string> CommandAsync(params string[] arguments) => CommandAsync(HostName(), Port, _password, arguments);

    /// <summary>Deletes the keys matching <paramref name="pattern"/> (a test's own keys on a server that others share).</summary>
    /// <param name="pattern">A <c>KEYS</c> pattern, e.g. <c>test-1234:*</c>.</param>
    /// <returns>How many keys were deleted.</returns>
    public async Task<long> DeleteKeysAsync(string pattern)
    {
        const string script = "local n = 0 for _, key in ipairs(redis.call('KEYS', ARGV[1])) do n = n + redis.call('DEL', key) end return n";
        var reply = await CommandAsync("EVAL", script, "0", pattern);
        return reply.StartsWith(':') ? long.Parse(reply.AsSpan(1), CultureInfo.InvariantCulture) : throw new InvalidOperationException($"Deleting test keys failed: {reply}");
    }

    internal static async Task<RedisServer> StartAsync(string[] arguments, bool clusterPort)
    {
        if (FindOnPath("redis-server") is null)
        {
            throw new InvalidOperationException(MissingMessage);
        }

        Exception? last = null;

        // A free port can be taken between choosing it and redis-server binding it; then try another.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var directory = Path.Combine(Path.GetTempPath(), "redis-test-" + Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(directory);
            var port = FreePort();
            List<string> all =
            [
                "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", Host, "--dir", directory,
                "--logfile", Path.Combine(directory, "redis.log"), "--daemonize", "no", "--save", "",
                .. arguments,
            ];
            if (clusterPort)
            {
                all.AddRange(["--cluster-port", FreePort().ToString(CultureInfo.InvariantCulture)]);
            }

            var server = new RedisServer(port, directory, [.. all]);
            try
            {
                await server.LaunchAsync();
                return server;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                last = ex;
                await server.DisposeAsync();
            }
        }

        throw new InvalidOperationException($"redis-server did not start: {last?.Message}", last);
    }

    internal static async Task<string> CommandAsync(string host, int port, string? password, params string[] arguments)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var client = new TcpClient();
        await client.ConnectAsync(host, port, timeout.Token);
        var stream = client.GetStream();
        if (password is not null)
        {
            await WriteCommandAsync(stream, ["AUTH", password], timeout.Token);
            await ReadReplyAsync(stream, timeout.Token);
        }

        await WriteCommandAsync(stream, arguments, timeout.Token);
        return await ReadReplyAsync(stream, timeout.Token);
    }

    /// <summary>
    /// Keeps a process that <paramref name="start"/> describes (redis-server's supervisor, redis-cli) on the real clock when
    /// the test process runs under <c>faketime</c>, as ./test.sh runs the clock tests 400 days behind and ahead: Redis is
    /// the real external clock those runs hold the tests against, and libfaketime, inherited through <c>LD_PRELOAD</c>,
    /// hangs redis-server at startup (libfaketime reports recursive <c>clock_gettime</c> calls while it initialises, and the
    /// server never answers). Drops libfaketime from <c>LD_PRELOAD</c> (any other preloaded library stays) and every
    /// <c>FAKETIME*</c> variable.
    /// </summary>
    /// <param name="start">The process to start.</param>
    internal static void UseRealClock(ProcessStartInfo start)
    {
        foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("FAKETIME", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        if (start.Environment.TryGetValue("LD_PRELOAD", out var preload) && preload is not null)
        {
            // ld.so separates preloaded libraries with spaces or colons.
            var kept = preload.Split([' ', ':'], StringSplitOptions.RemoveEmptyEntries)
                .Where(library => !library.Contains("faketime", StringComparison.OrdinalIgnoreCase))
                .ToList();
            if (kept.Count == 0)
            {
                start.Environment.Remove("LD_PRELOAD");
            }
            else
            {
                start.Environment["LD_PRELOAD"] = string.Join(':', kept);
            }
        }
    }

    internal static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists);

    private static async Task<RedisServer> StartSharedAsync()
    {
        if (Environment.GetEnvironmentVariable("REDIS_URL") is { Length: > 0 } url)
        {
            return FromUrl(url);
        }

        var server = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().Wait(StopTimeout);
        return server;
    }

    private static RedisServer FromUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "redis")
        {
            throw new InvalidOperationException($"REDIS_URL must look like redis://host:port; it is '{url}'.");
        }

        var port = uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port;
        var configuration = new StringBuilder($"{uri.Host}:{port}");
        string? password = null;
        if (uri.UserInfo is { Length: > 0 } userInfo)
        {
            var parts = userInfo.Split(':', 2);
            if (parts.Length == 2)
            {
                if (parts[0].Length > 0)
                {
                    configuration.Append(",user=").Append(Uri.UnescapeDataString(parts[0]));
                }

                password = Uri.UnescapeDataString(parts[1]);
            }
            else
            {
                password = Uri.UnescapeDataString(parts[0]);
            }
        }

        if (password is not null)
        {
            configuration.Append(",password=").Append(password);
        }

        if (uri.AbsolutePath.Trim('/') is { Length: > 0 } database)
        {
            configuration.Append(",defaultDatabase=").Append(database);
        }

        return new RedisServer(port, directory: null, arguments: [], password, configuration.ToString()) { ExternalHost = uri.Host };
    }

    private string? ExternalHost { get; init; }

    private string HostName() => ExternalHost ?? Host;

    private async Task LaunchAsync()
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        UseRealClock(start);
        foreach (var argument in (string[])["-c", Supervisor, "redis-test-server", Directory!, .. _arguments])
        {
            start.ArgumentList.Add(argument);
        }

        var supervisor = Process.Start(start) ?? throw new InvalidOperationException("Could not start /bin/sh.");
        lock (_lock)
        {
            _supervisor = supervisor;
        }

        using var timeout = new CancellationTokenSource(StartTimeout);
        var line = await supervisor.StandardOutput.ReadLineAsync(timeout.Token);
        _pid = int.Parse(line ?? throw new InvalidOperationException("The shell that starts redis-server said nothing."), CultureInfo.InvariantCulture);

        while (true)
        {
            if (!IsAlive(_pid))
            {
                await EndSupervisorAsync(keepDirectory: true);
                throw new InvalidOperationException($"redis-server on port {Port} exited at startup. {Logs()}");
            }

            try
            {
                if (await CommandAsync("PING") == "+PONG")
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
            {
                // Not listening yet.
            }

            if (timeout.IsCancellationRequested)
            {
                await EndSupervisorAsync(keepDirectory: true);
                throw new InvalidOperationException($"redis-server on port {Port} did not answer PING within {StartTimeout.TotalSeconds} s. {Logs()}");
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }

    private async Task SendShutdownAsync()
    {
        try
        {
            await CommandAsync("SHUTDOWN");
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            // The server closes the connection as it shuts down, or was already gone.
        }
    }

    // Closing the supervisor's standard input makes it kill redis-server; if the supervisor itself is stuck, both are killed.
    private async Task EndSupervisorAsync(bool keepDirectory)
    {
        Process? supervisor;
        lock (_lock)
        {
            supervisor = _supervisor;
            _supervisor = null;
        }

        if (supervisor is null)
        {
            return;
        }

        using (supervisor)
        {
            try
            {
                if (keepDirectory)
                {
                    await supervisor.StandardInput.WriteLineAsync("keep");
                }

                supervisor.StandardInput.Close();
            }
            catch (IOException)
            {
                // Already gone.
            }

            using var timeout = new CancellationTokenSource(StopTimeout);
            try
            {
                await supervisor.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                supervisor.Kill(entireProcessTree: true);
            }
        }

        if (_pid > 0 && IsAlive(_pid))
        {
            Kill(_pid);
        }

        await WaitUntilExitedAsync(_pid, StopTimeout);
    }

    private static async Task WaitUntilExitedAsync(int pid, TimeSpan limit)
    {
        var waited = Stopwatch.StartNew();
        while (pid > 0 && IsAlive(pid))
        {
            if (waited.Elapsed >= limit)
            {
                Kill(pid);
                waited.Restart();
            }

            await Task.Delay(20);
        }
    }

    // A process that exited but is not yet reaped is a zombie ('Z'): it no longer holds its port or files.
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault();
            return state is not ('Z' or 'X' or 'x');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    private string Logs()
    {
        var lines = new[] { "redis.out", "redis.log" }
            .Select(name => Path.Combine(Directory!, name))
            .Where(File.Exists)
            .SelectMany(path => File.ReadLines(path).TakeLast(10))
            .ToList();
        return lines.Count == 0 ? "It logged nothing." : "Its log ends:\n" + string.Join('\n', lines);
    }

    private void DeleteDirectory()
    {
        try
        {
            System.IO.Directory.Delete(Directory!, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private void ThrowIfExternal()
    {
        if (IsExternal)
        {
            throw new InvalidOperationException("The Redis server REDIS_URL names is not stopped or restarted by tests; use RedisServer.StartAsync() for that.");
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static async Task WriteCommandAsync(NetworkStream stream, string[] arguments, CancellationToken cancellationToken)
    {
        var command = new StringBuilder().Append('*').Append(arguments.Length).Append("\r\n");
        foreach (var argument in arguments)
        {
            command.Append('$').Append(Encoding.UTF8.GetByteCount(argument)).Append("\r\n").Append(argument).Append("\r\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(command.ToString()), cancellationToken);
    }

    private static async Task<string> ReadReplyAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(stream, cancellationToken);
        if (line.Length == 0 || line[0] != '$')
        {
            return line;
        }

        var length = int.Parse(line.AsSpan(1), CultureInfo.InvariantCulture);
        if (length < 0)
        {
            return "";
        }

        var body = new byte[length + 2];
        await stream.ReadExactlyAsync(body, cancellationToken);
        return Encoding.UTF8.GetString(body, 0, length);
    }

    private static async Task<string> ReadLineAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new IOException("The Redis server closed the connection.");
            }

            if (one[0] == '\n' && bytes.Count > 0 && bytes[^1] == '\r')
            {
                return Encoding.UTF8.GetString(bytes.ToArray(), 0, bytes.Count - 1);
            }

            bytes.Add(one[0]);
        }
    }
}
