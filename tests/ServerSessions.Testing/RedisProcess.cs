using System.Diagnostics;
using System.Globalization;

namespace ServerSessions.Testing;

/// <summary>
/// One <c>redis-server</c> process, run by a small shell that kills it when the test process's pipe to the shell closes,
/// so it outlives neither its test nor the test process, even after a crash.
/// </summary>
internal sealed class RedisProcess
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

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

    private readonly Process _supervisor;
    private readonly int _pid;
    private readonly string _directory;

    private RedisProcess(Process supervisor, int pid, string directory)
    {
        _supervisor = supervisor;
        _pid = pid;
        _directory = directory;
    }

    /// <summary>Whether redis-server exited (or is a zombie, which no longer holds its port or files).</summary>
    public bool HasExited => !IsAlive(_pid);

    /// <summary>Starts redis-server with <paramref name="arguments"/>, its output going to <c>redis.out</c> in <paramref name="directory"/>.</summary>
    public static async Task<RedisProcess> StartAsync(string directory, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        UseRealClock(start);
        foreach (var argument in (string[])["-c", Supervisor, "redis-test-server", directory, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        var supervisor = Process.Start(start) ?? throw new InvalidOperationException("Could not start /bin/sh.");
        try
        {
            using var timeout = new CancellationTokenSource(Limit);
            var line = await supervisor.StandardOutput.ReadLineAsync(timeout.Token);
            var pid = int.Parse(line ?? throw new InvalidOperationException("The shell that starts redis-server said nothing."), CultureInfo.InvariantCulture);
            return new RedisProcess(supervisor, pid, directory);
        }
        catch
        {
            supervisor.Kill(entireProcessTree: true);
            supervisor.Dispose();
            throw;
        }
    }

    /// <summary>Waits for redis-server to exit (after a <c>SHUTDOWN</c>), killing it if it lingers.</summary>
    public async Task WaitForExitAsync()
    {
        var waited = Stopwatch.StartNew();
        while (IsAlive(_pid))
        {
            if (waited.Elapsed >= Limit)
            {
                Kill(_pid);
                waited.Restart();
            }

            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Ends the shell, which kills redis-server and, unless <paramref name="keepDirectory"/>, deletes its folder; if the
    /// shell itself is stuck, both are killed.
    /// </summary>
    public async Task EndAsync(bool keepDirectory)
    {
        using (_supervisor)
        {
            try
            {
                if (keepDirectory)
                {
                    await _supervisor.StandardInput.WriteLineAsync("keep");
                }

                _supervisor.StandardInput.Close();
            }
            catch (IOException)
            {
                // Already gone.
            }

            using var timeout = new CancellationTokenSource(Limit);
            try
            {
                await _supervisor.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _supervisor.Kill(entireProcessTree: true);
            }
        }

        if (IsAlive(_pid))
        {
            Kill(_pid);
        }

        await WaitForExitAsync();
    }

    /// <summary>The last lines redis-server wrote, for a failure message.</summary>
    public string Logs()
    {
        var lines = new[] { "redis.out", "redis.log" }
            .Select(name => Path.Combine(_directory, name))
            .Where(File.Exists)
            .SelectMany(path => File.ReadLines(path).TakeLast(10))
            .ToList();
        return lines.Count == 0 ? "It logged nothing." : "Its log ends:\n" + string.Join('\n', lines);
    }

    /// <summary>
    /// Keeps redis-server, through its shell, on the real clock when the test process runs under <c>faketime</c>, as
    /// ./test.sh runs the clock tests 400 days behind and ahead: Redis is the real external clock those runs hold the tests
    /// against, and libfaketime, inherited through <c>LD_PRELOAD</c>, hangs redis-server at startup (libfaketime reports
    /// recursive <c>clock_gettime</c> calls while it initialises, and the server never answers). Drops libfaketime from
    /// <c>LD_PRELOAD</c> (any other preloaded library stays) and every <c>FAKETIME*</c> variable.
    /// </summary>
    private static void UseRealClock(ProcessStartInfo start)
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
}
