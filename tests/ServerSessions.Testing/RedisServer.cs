using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace ServerSessions.Testing;

/// <summary>
/// A real <c>redis-server</c> for tests, started from the PATH on a free loopback port with its own temporary folder,
/// and killed (its folder deleted) on dispose. <see cref="Shared"/> is one server for a whole test run, or the one
/// <c>REDIS_URL</c> names. Every wait is bounded; a server outlives neither its test nor the test process.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    /// <summary>What a test fails with when there is no redis-server to start.</summary>
    public const string MissingMessage = "redis-server is missing: apt-get install redis-server (./test.sh installs it)";

    internal const string Host = "127.0.0.1";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    // Started on the thread pool, so a test that blocks on it cannot deadlock xunit's synchronization context.
    private static readonly Lazy<Task<RedisServer>> SharedServer = new(() => Task.Run(StartSharedAsync));

    private readonly string[] _arguments;
    private readonly Lock _lock = new();
    private RedisProcess? _process;
    private ConnectionMultiplexer? _connection;
    private bool _disposed;

    private RedisServer(int port, string? directory, string[] arguments, int? clusterPort = null, string? configurationString = null)
    {
        Port = port;
        Directory = directory;
        _arguments = arguments;
        ClusterPort = clusterPort;
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

    /// <summary>The port of a cluster node's bus (<c>--cluster-port</c>); <see langword="null"/> outside a cluster.</summary>
    internal int? ClusterPort { get; }

    /// <summary>
    /// Starts <c>redis-server</c> from the PATH on a free 127.0.0.1 port and waits until it accepts a connection.
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
        try
        {
            await ExecuteAsync("SHUTDOWN");
        }
        catch (RedisConnectionException)
        {
            // The server closes the connection as it shuts down.
        }

        await DisconnectAsync();
        var process = TakeProcess();
        if (process is not null)
        {
            await process.WaitForExitAsync();
            await process.EndAsync(keepDirectory: true);
        }
    }

    /// <summary>Starts the server again on the same port and folder, after <see cref="StopAsync"/>.</summary>
    /// <returns>A task that completes when the server accepts a connection.</returns>
    public async Task RestartAsync()
    {
        ThrowIfExternal();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_process is not null)
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

        await DisconnectAsync();
        if (TakeProcess() is { } process)
        {
            await process.EndAsync(keepDirectory: false);
        }

        try
        {
            System.IO.Directory.Delete(Directory!, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>
    /// Sends one command and returns its reply as the tests read it: a status as <c>+OK</c>, an integer as <c>:1</c>, an
    /// array as <c>*</c> and its length, a bulk string as its text (empty for nil).
    /// </summary>
    /// <param name="arguments">The command and its arguments, e.g. <c>"CLUSTER", "INFO"</c>.</param>
    /// <returns>The reply.</returns>
    /// <exception cref="RedisServerException">Redis replied with an error.</exception>
    public async Task<string> CommandAsync(params string[] arguments)
    {
        var reply = await ExecuteAsync(arguments);
        return reply.Resp2Type switch
        {
            ResultType.SimpleString => "+" + (string?)reply,
            ResultType.Integer => ":" + ((long)reply).ToString(CultureInfo.InvariantCulture),
            ResultType.Array => "*" + reply.Length.ToString(CultureInfo.InvariantCulture),
            _ => (string?)reply ?? "",
        };
    }

    /// <summary>Deletes the keys matching <paramref name="pattern"/> (a test's own keys on a server that others share).</summary>
    /// <param name="pattern">A <c>KEYS</c> pattern, e.g. <c>test-1234:*</c>.</param>
    /// <returns>How many keys were deleted.</returns>
    public async Task<long> DeleteKeysAsync(string pattern)
    {
        const string script = "local n = 0 for _, key in ipairs(redis.call('KEYS', ARGV[1])) do n = n + redis.call('DEL', key) end return n";
        return (long)await ExecuteAsync("EVAL", script, "0", pattern);
    }

    internal static async Task<RedisServer> StartAsync(string[] arguments, bool clusterPort)
    {
        if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Any(folder => File.Exists(Path.Combine(folder, "redis-server"))))
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
            int? busPort = clusterPort ? FreePort() : null;
            List<string> all =
            [
                "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", Host, "--dir", directory,
                "--logfile", Path.Combine(directory, "redis.log"), "--daemonize", "no", "--save", "",
                .. arguments,
            ];
            if (busPort is { } bus)
            {
                all.AddRange(["--cluster-port", bus.ToString(CultureInfo.InvariantCulture)]);
            }

            var server = new RedisServer(port, directory, [.. all], busPort);
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

    private static async Task<RedisServer> StartSharedAsync()
    {
        if (Environment.GetEnvironmentVariable("REDIS_URL") is { Length: > 0 } url)
        {
            var external = FromUrl(url);
            await external.ConnectAsync();
            return external;
        }

        var server = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().Wait(Bounded.Limit);
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
        if (uri.UserInfo is { Length: > 0 } userInfo)
        {
            var parts = userInfo.Split(':', 2);
            if (parts.Length == 2 && parts[0].Length > 0)
            {
                configuration.Append(",user=").Append(Uri.UnescapeDataString(parts[0]));
            }

            configuration.Append(",password=").Append(Uri.UnescapeDataString(parts[^1]));
        }

        if (uri.AbsolutePath.Trim('/') is { Length: > 0 } database)
        {
            configuration.Append(",defaultDatabase=").Append(database);
        }

        return new RedisServer(port, directory: null, arguments: [], configurationString: configuration.ToString());
    }

    private async Task LaunchAsync()
    {
        var process = await RedisProcess.StartAsync(Directory!, _arguments);
        lock (_lock)
        {
            _process = process;
        }

        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                await EndProcessAsync();
                throw new InvalidOperationException($"redis-server on port {Port} exited at startup. {process.Logs()}");
            }

            if (await AcceptsConnectionsAsync())
            {
                try
                {
                    await ConnectAsync();
                    return;
                }
                catch (RedisConnectionException)
                {
                    // Accepting connections, not yet answering them (loading its append-only file).
                }
            }

            if (waited.Elapsed >= StartTimeout)
            {
                await EndProcessAsync();
                throw new InvalidOperationException($"redis-server on port {Port} did not accept a connection within {StartTimeout.TotalSeconds} s. {process.Logs()}");
            }

            await Task.Delay(50);
        }
    }

    // A bare TCP connection, not StackExchange.Redis: refused, its connect sometimes waits out its whole connect timeout
    // (5 s) instead of failing at once.
    private async Task<bool> AcceptsConnectionsAsync()
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(Host, Port).Within($"a connection to redis-server on port {Port}");
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // Its configuration's connect and command timeouts (5 s each) bound every await on it.
    private async Task ConnectAsync()
    {
        var options = ConfigurationOptions.Parse(ConfigurationString);
        options.AllowAdmin = true; // SHUTDOWN, CONFIG, KEYS, CLIENT PAUSE and the like
        options.TieBreaker = ""; // no GET of its own: a test counts the GETs a store sends (INFO commandstats)
        var connection = await ConnectionMultiplexer.ConnectAsync(options);
        lock (_lock)
        {
            _connection = connection;
        }
    }

    // Without waiting for replies: a server paused (CLIENT PAUSE) or gone gives none.
    private async Task DisconnectAsync()
    {
        ConnectionMultiplexer? connection;
        lock (_lock)
        {
            connection = _connection;
            _connection = null;
        }

        if (connection is not null)
        {
            using (connection)
            {
                await connection.CloseAsync(allowCommandsToComplete: false);
            }
        }
    }

    private Task<RedisResult> ExecuteAsync(params string[] arguments)
    {
        ConnectionMultiplexer connection;
        lock (_lock)
        {
            connection = _connection ?? throw new InvalidOperationException("The Redis server is stopped.");
        }

        // This server, not whichever node of a cluster StackExchange.Redis would route a command to.
        var server = connection.GetServer(connection.GetEndPoints(configuredOnly: true)[0]);
        return server.ExecuteAsync(connection.GetDatabase().Database, arguments[0], arguments[1..]);
    }

    private RedisProcess? TakeProcess()
    {
        lock (_lock)
        {
            var process = _process;
            _process = null;
            return process;
        }
    }

    private async Task EndProcessAsync()
    {
        if (TakeProcess() is { } process)
        {
            await process.EndAsync(keepDirectory: true);
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
}
