namespace VisitTracker.Tests.EndToEnd;

/// <summary>Where VisitTracker keeps its data when no setting names a path: <c>data/</c> in the working directory.</summary>
public sealed class DataFolderTests
{
    [Fact]
    public async Task NoPathSettings_KeepTheDataInTheWorkingDirectorysDataFolder_AndTheLogNamesIt()
    {
        using var workingDirectory = new TempFolder();
        await using (var app = await VisitTrackerProcess.StartAsync(workingDirectory, defaultDataPaths: true))
        {
            using var visitor = new Visitor(app);
            Assert.Equal(1, await visitor.VisitAsync());
            Assert.Equal(2, await visitor.VisitAsync());

            var data = Path.Combine(workingDirectory.Path, "data");
            Assert.Contains($"sessions in {Path.Combine(data, "sessions.db")} (secret in {Path.Combine(data, "session-secret")})", app.Output, StringComparison.Ordinal);
            Assert.Contains($"users in {Path.Combine(data, "users.db")}; form keys in {Path.Combine(data, "keys")}", app.Output, StringComparison.Ordinal);
            await app.StopAsync();
        }

        foreach (var file in new[] { "sessions.db", "users.db", "session-secret" })
        {
            Assert.True(File.Exists(Path.Combine(workingDirectory.Path, "data", file)), $"no data/{file} in the working directory");
        }

        Assert.NotEmpty(Directory.GetFiles(Path.Combine(workingDirectory.Path, "data", "keys")));
    }
}
