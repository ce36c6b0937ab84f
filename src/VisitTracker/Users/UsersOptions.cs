namespace VisitTracker.Users;

/// <summary>Where the users live (the <c>Users</c> settings).</summary>
internal sealed class UsersOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Users";

    /// <summary>
    /// The SQLite file. A relative path is resolved against the working directory, as VisitTracker resolves
    /// <c>Session:Sqlite:Path</c>; missing folders are created. Default <c>data/users.db</c>.
    /// </summary>
    public string Path { get; set; } = "data/users.db";

    /// <summary><see cref="Path"/>, resolved.</summary>
    public string FullPath => System.IO.Path.GetFullPath(Path);

    /// <summary>Reads the section; an unknown key stops the app, as the session settings do.</summary>
    public static UsersOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var unknown = section.GetChildren().Where(child => !child.Key.Equals(nameof(Path), StringComparison.OrdinalIgnoreCase)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException(
                $"Unknown setting(s) {string.Join(", ", unknown.Select(child => child.Path))}: the users' only setting is {Section}:Path " +
                $"(the SQLite file, {Section}__Path in the environment).");
        }

        var options = new UsersOptions();
        if (section[nameof(Path)] is { } path)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                throw new InvalidOperationException($"{Section}:Path is empty: give the users' SQLite file, such as data/users.db.");
            }

            options.Path = path;
        }

        return options;
    }
}
