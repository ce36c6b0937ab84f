using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using VisitTracker.Tests.EndToEnd;

namespace VisitTracker.Tests.Packaging;

/// <summary>
/// The three packages as a user gets them: what each carries, and a fresh web app that installs them from a feed and
/// counts visits in SQLite.
/// </summary>
public sealed partial class PackagesTests(LocalFeed feed) : IClassFixture<LocalFeed>
{
    [Theory]
    [InlineData("ServerSessions")]
    [InlineData("ServerSessions.Sqlite")]
    [InlineData("ServerSessions.Redis")]
    public async Task Package_CarriesItsReadmeLicenceXmlDocsAndSymbols(string id)
    {
        using var package = ZipFile.OpenRead(feed.Package(id));
        var nuspec = XDocument.Load(package.GetEntry($"{id}.nuspec")!.Open()).Root!;
        string? Metadata(string name) => nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
        var license = nuspec.Descendants().SingleOrDefault(e => e.Name.LocalName == "license");

        Assert.Equal(id, Metadata("id"));
        Assert.Equal(feed.Version, Metadata("version"));
        Assert.True(license is not null, $"{id}'s nuspec has no licence:\n{nuspec}");
        Assert.Equal(("expression", "MIT"), ((string?)license.Attribute("type"), license.Value));
        Assert.False(string.IsNullOrWhiteSpace(Metadata("description")), "no description");
        Assert.Contains("session", Metadata("tags") ?? "", StringComparison.Ordinal);
        Assert.Equal("The ServerSessions authors", Metadata("authors"));
        // The package readme is the project's README.
        Assert.Equal("README.md", Metadata("readme"));
        var readmeEntry = package.GetEntry("README.md");
        Assert.True(readmeEntry is not null, $"{id} has no README.md");
        using (var readme = new StreamReader(readmeEntry.Open()))
        {
            Assert.Equal(await File.ReadAllTextAsync(Repository.PathOf("src", id, "README.md")), await readme.ReadToEndAsync());
        }

        Assert.NotNull(package.GetEntry($"lib/net10.0/{id}.dll"));
        Assert.NotNull(package.GetEntry($"lib/net10.0/{id}.xml"));
        Assert.True(File.Exists(feed.Symbols(id)), $"No symbols package {feed.Symbols(id)}");
        using var symbols = ZipFile.OpenRead(feed.Symbols(id));
        Assert.NotNull(symbols.GetEntry($"lib/net10.0/{id}.pdb"));
    }

    [Theory]
    [InlineData("ServerSessions.Sqlite")]
    [InlineData("ServerSessions.Redis")]
    public void StorePackage_DependsOnExactlyItsOwnVersionOfTheCore(string id)
    {
        // The stores see the core's internals: a core of another version, even a later one, may not have them.
        using var package = ZipFile.OpenRead(feed.Package(id));
        var nuspec = XDocument.Load(package.GetEntry($"{id}.nuspec")!.Open()).Root!;
        var core = nuspec.Descendants().SingleOrDefault(e => e.Name.LocalName == "dependency" && (string?)e.Attribute("id") == "ServerSessions");

        Assert.True(core is not null, $"{id} does not depend on ServerSessions:\n{nuspec}");
        Assert.Equal($"[{feed.Version}]", (string?)core.Attribute("version"));
    }

    [Fact]
    public async Task FreshWebApp_InstallsThePackagesFromTheFeed_AndCountsVisitsInSqlite()
    {
        using var work = new TempFolder();
        var app = Path.Combine(work.Path, "FreshApp");
        var packages = Path.Combine(work.Path, "packages");
        AssertNoBuildSettingsAbove(work.Path);
        // Its own package folder: ours come from the feed, their dependencies from NuGet as usual (the machine's sources).
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = packages };

        await DotnetCli.SucceedAsync(work.Path, environment, "new", "web", "--name", "FreshApp", "--output", app, "--no-update-check");
        work.Write("FreshApp/nuget.config", $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="server-sessions-test" value="{feed.Path}" />
              </packageSources>
            </configuration>
            """);
        await DotnetCli.SucceedAsync(app, environment, "add", "package", "ServerSessions.Sqlite", "--version", feed.Version);
        await DotnetCli.SucceedAsync(app, environment, "add", "package", "ServerSessions", "--version", feed.Version);
        work.Write("FreshApp/Program.cs", await QuickStartAsync());
        await DotnetCli.SucceedAsync(app, environment, "build", "--output", Path.Combine(app, "out"));

        await using var process = await FreshAppProcess.StartAsync(Path.Combine(app, "out", "FreshApp.dll"));
        using var visitor = new Visitor(process);
        Assert.Equal(1, await visitor.VisitAsync());
        Assert.NotNull(visitor.Cookie);
        Assert.Equal(2, await visitor.VisitAsync());

        // The session was in SQLite (its default file beside the app), and our packages came from the feed.
        Assert.True(File.Exists(Path.Combine(app, "out", "data", "sessions.db")), $"No data/sessions.db beside the app. Output:\n{process.Output}");
        Assert.True(Directory.Exists(Path.Combine(packages, "serversessions.sqlite", feed.Version)), "ServerSessions.Sqlite was not installed from the feed");
        await process.StopAsync();
    }

    /// <summary>
    /// The core package README's example, as a user copies it, plus an endpoint that answers without a session, for
    /// the test to know the app is up.
    /// </summary>
    private static async Task<string> QuickStartAsync()
    {
        var readme = await File.ReadAllTextAsync(Repository.PathOf("src", "ServerSessions", "README.md"));
        var example = CSharpBlock().Match(readme);
        Assert.True(example.Success, "src/ServerSessions/README.md has no ```csharp example");
        var code = example.Groups["code"].Value;
        Assert.Contains("app.Run();", code, StringComparison.Ordinal);
        return code.Replace("app.Run();", "app.MapGet(\"/ready\", () => \"ready\");\napp.Run();", StringComparison.Ordinal);
    }

    /// <summary>The app is outside the repository: no Directory.Build.props or central package versions apply to it.</summary>
    private static void AssertNoBuildSettingsAbove(string folder)
    {
        for (var dir = new DirectoryInfo(folder); dir is not null; dir = dir.Parent)
        {
            foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
            {
                Assert.False(File.Exists(Path.Combine(dir.FullName, file)), $"{Path.Combine(dir.FullName, file)} would apply to the fresh app");
            }
        }
    }

    [GeneratedRegex(@"```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
