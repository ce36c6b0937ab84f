namespace VisitTracker.Tests.Packaging;

/// <summary>
/// The three packages, packed once for the test class from the repository's sources with a version unique to the run,
/// into a local folder feed. <c>dotnet pack --artifacts-path</c> puts every build and intermediate file in the feed's
/// own temporary folder, so the repository's bin/ and obj/, which other tests run from at the same time, are untouched;
/// packing the checkout itself (not a copy) keeps its git metadata, so SourceLink and the repository URL are what a
/// release would get.
/// </summary>
public sealed class LocalFeed : IAsyncLifetime
{
    /// <summary>The packages' ids.</summary>
    public static readonly string[] PackageIds = ["ServerSessions", "ServerSessions.Sqlite", "ServerSessions.Redis"];

    private readonly TempFolder _work = new();

    /// <summary>A version no feed has: a letter first, as a numeric prerelease part may not start with 0.</summary>
    public string Version { get; } = $"0.0.0-test.r{Guid.NewGuid():N}"[..28];

    /// <summary>The folder feed holding the .nupkg and .snupkg files.</summary>
    public string Path => System.IO.Path.Combine(_work.Path, "feed");

    /// <summary>The .nupkg of the package <paramref name="id"/>.</summary>
    public string Package(string id) => System.IO.Path.Combine(Path, $"{id}.{Version}.nupkg");

    /// <summary>The .snupkg (symbols) of the package <paramref name="id"/>.</summary>
    public string Symbols(string id) => System.IO.Path.Combine(Path, $"{id}.{Version}.snupkg");

    public async Task InitializeAsync()
    {
        // One pack of the three projects, each built once.
        var projects = string.Concat(PackageIds.Select(id => $"""  <Project Path="{Repository.PathOf("src", id, id + ".csproj")}" />{"\n"}"""));
        _work.Write("packages.slnx", $"<Solution>\n{projects}</Solution>\n");
        await DotnetCli.SucceedAsync(_work.Path, null,
            "pack", "packages.slnx", "--configuration", "Release", "--output", Path,
            "--artifacts-path", System.IO.Path.Combine(_work.Path, "artifacts"), $"-p:Version={Version}");
    }

    public Task DisposeAsync()
    {
        _work.Dispose();
        return Task.CompletedTask;
    }
}
