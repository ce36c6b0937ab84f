using System.Diagnostics;
using System.Text;

namespace VisitTracker.Tests.Packaging;

/// <summary>
/// Runs the dotnet CLI (<c>new</c>, <c>add package</c>, <c>build</c>, <c>pack</c>) as a child process, as a user would in
/// a terminal, with a limit: a command that hangs is killed and named in the failure.
/// </summary>
internal static class DotnetCli
{
    /// <summary>Long enough for a restore from NuGet or a build on a busy 2-core machine.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    /// <summary>The dotnet the test host runs on.</summary>
    public static string Host => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    /// <summary>Runs <c>dotnet <paramref name="arguments"/></c> in <paramref name="folder"/> and returns its exit code and output.</summary>
    /// <param name="folder">The working folder.</param>
    /// <param name="environment">Variables to set or override, such as <c>NUGET_PACKAGES</c>.</param>
    /// <param name="arguments">The arguments after <c>dotnet</c>.</param>
    public static async Task<(int ExitCode, string Output)> RunAsync(string folder, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(Host)
        {
            WorkingDirectory = folder,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // What the test host's own MSBuild left in the environment points a child build at the test host's SDK state.
        foreach (var name in start.Environment.Keys.Where(n => n.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        // No MSBuild node and no compiler server outlives the command: the test leaves no process behind.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var command = $"dotnet {string.Join(' ', arguments)} (in {folder})";
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Record(output, e.Data);
        process.ErrorDataReceived += (_, e) => Record(output, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var timeout = new CancellationTokenSource(Limit);
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            using var killed = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(killed.Token);
            throw new TimeoutException($"{command} did not finish within {Limit.TotalMinutes:0} min and was killed. Output:\n{Text(output)}");
        }

        return (process.ExitCode, Text(output));
    }

    /// <summary>Runs a command that must succeed; its output is the failure message when it does not.</summary>
    public static async Task<string> SucceedAsync(string folder, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var (exitCode, output) = await RunAsync(folder, environment, arguments);
        Assert.True(exitCode == 0, $"dotnet {string.Join(' ', arguments)} (in {folder}) exited with code {exitCode}. Output:\n{output}");
        return output;
    }

    private static void Record(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
