namespace VisitTracker.Tests.Packaging;

/// <summary>The repository the tests were built from.</summary>
internal static class Repository
{
    /// <summary>The folder of <c>ServerSessions.slnx</c>, above the test's build output.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path under the root, given as its parts.</summary>
    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "ServerSessions.slnx")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException("The repository root (ServerSessions.slnx) is not above the test's folder.");
    }
}
