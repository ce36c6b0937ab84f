using System.Text.RegularExpressions;

namespace VisitTracker.Tests.Packaging;

/// <summary>
/// The public-API baseline (PublicAPI.Shipped.txt / PublicAPI.Unshipped.txt, checked by PublicApiAnalyzers) makes every
/// change to a library's public API a recorded decision: a change the baseline does not record fails the build.
/// </summary>
public sealed partial class PublicApiBaselineTests
{
    [Fact]
    public async Task PublicApiChange_NotRecordedInTheBaseline_FailsTheBuild()
    {
        // The core library as it is, with the repository's build settings, in a folder of its own: the repository's
        // own build output, which other tests run from, is untouched.
        using var copy = new TempFolder();
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", ".editorconfig" })
        {
            File.Copy(Repository.PathOf(file), Path.Combine(copy.Path, file));
        }

        var library = Path.Combine(copy.Path, "src", "ServerSessions");
        CopySources(Repository.PathOf("src", "ServerSessions"), library);

        // A public member added without recording it, and a recorded member that no longer exists (a signature changed
        // or removed without updating the baseline): one build shows both.
        copy.Write("src/ServerSessions/BaselineProbe.cs", """
            namespace ServerSessions;

            /// <summary>A public type the baseline does not record.</summary>
            public static class BaselineProbe
            {
                /// <summary>A public method the baseline does not record.</summary>
                public static int Added() => 1;
            }
            """);
        await File.AppendAllTextAsync(Path.Combine(library, "PublicAPI.Unshipped.txt"), "ServerSessions.ServerSession.Vanished() -> void\n");

        var (exitCode, output) = await DotnetCli.RunAsync(copy.Path, null, "build", "src/ServerSessions/ServerSessions.csproj", "--configuration", "Release");

        Assert.True(exitCode != 0, $"The build passed with a public API the baseline does not record. Output:\n{output}");
        Assert.Contains("error RS0016: Symbol 'ServerSessions.BaselineProbe' is not part of the declared public API", output, StringComparison.Ordinal);
        Assert.Contains("error RS0016: Symbol 'static ServerSessions.BaselineProbe.Added() -> int' is not part of the declared public API", output, StringComparison.Ordinal);
        Assert.Contains("error RS0017: Symbol 'ServerSessions.ServerSession.Vanished() -> void' is part of the declared API", output, StringComparison.Ordinal);
        // Nothing else failed: the unmodified library builds against its baseline.
        var others = ErrorLine().Matches(output).Select(m => m.Value).Where(line => !line.Contains("BaselineProbe", StringComparison.Ordinal) && !line.Contains("Vanished", StringComparison.Ordinal)).Distinct().ToList();
        Assert.True(others.Count == 0, $"The copy failed for other reasons too:\n{string.Join('\n', others)}");
    }

    private static void CopySources(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal) || relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue;
            }

            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [GeneratedRegex(@"error [A-Z]+[0-9]+:.*")]
    private static partial Regex ErrorLine();
}
