using System.Diagnostics;
using System.Text.Json;

namespace VisitTracker.Tests.Packaging;

/// <summary>
/// The packages' repository URL and SourceLink come from the git remote when one is set, and a checkout without one
/// builds with neither: shown on a shallow clone of this repository, its remote set and then removed.
/// </summary>
public sealed class SourceLinkTests
{
    private const string Remote = "https://github.com/example/server-sessions.git";

    [Fact]
    public async Task RepositoryUrlAndSourceLink_ComeFromTheGitRemote_AndWithoutOneThereAreNone()
    {
        using var work = new TempFolder();
        var clone = Path.Combine(work.Path, "clone");
        await GitAsync(work.Path, "clone", "--quiet", "--depth", "1", "file://" + Repository.Root, clone);
        var commit = (await GitAsync(clone, "rev-parse", "HEAD")).Trim();

        await GitAsync(clone, "remote", "set-url", "origin", Remote);
        var (url, sourceLink) = await SourceControlAsync(clone);
        Assert.Equal(Remote, url);
        Assert.True(sourceLink is not null, "No SourceLink file was generated with a GitHub remote set");
        Assert.Contains($"https://raw.githubusercontent.com/example/server-sessions/{commit}/*", sourceLink, StringComparison.Ordinal);

        await GitAsync(clone, "remote", "remove", "origin");
        (url, sourceLink) = await SourceControlAsync(clone);
        Assert.Equal("", url);
        Assert.Null(sourceLink);
    }

    // The core library's repository URL as pack puts it in the nuspec, and its SourceLink file, from the SDK's own
    // source-control and pack targets (no build).
    private static async Task<(string RepositoryUrl, string? SourceLink)> SourceControlAsync(string clone)
    {
        var project = Path.Combine(clone, "src", "ServerSessions");
        var intermediate = Path.Combine(project, "obj", "Release", "net10.0");
        Directory.CreateDirectory(intermediate);
        var file = Path.Combine(intermediate, "ServerSessions.sourcelink.json");
        File.Delete(file);
        var output = await DotnetCli.SucceedAsync(
            clone, null, "msbuild", Path.Combine(project, "ServerSessions.csproj"), "-restore", "-p:Configuration=Release",
            "-t:_InitializeNuspecRepositoryInformationProperties;GenerateSourceLinkFile", "-getProperty:RepositoryUrl", "-getProperty:SourceLink");
        using var json = JsonDocument.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..]);
        var url = json.RootElement.GetProperty("Properties").GetProperty("RepositoryUrl").GetString() ?? "";
        return (url, File.Exists(file) ? await File.ReadAllTextAsync(file) : null);
    }

    private static async Task<string> GitAsync(string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var git = Process.Start(start) ?? throw new InvalidOperationException("git did not start: install git");
        var output = git.StandardOutput.ReadToEndAsync();
        var errors = git.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await git.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            git.Kill(entireProcessTree: true);
            throw new TimeoutException($"git {string.Join(' ', arguments)} did not finish within a minute");
        }

        Assert.True(git.ExitCode == 0, $"git {string.Join(' ', arguments)} exited with {git.ExitCode} (is {Repository.Root} a git checkout?): {await errors}");
        return await output;
    }
}
