using Microsoft.Extensions.Options;

namespace ServerSessions.Sqlite;

/// <summary>
/// Rejects unusable <see cref="SqliteSessionStoreOptions"/> with a message naming the setting, at startup (through
/// <c>ValidateOnStart</c>) or when the store is constructed directly.
/// </summary>
internal sealed class SqliteSessionStoreOptionsValidator : IValidateOptions<SqliteSessionStoreOptions>
{
    private const long MinDatabaseSize = 1L << 20;
    private static readonly TimeSpan MaxSweepInterval = TimeSpan.FromDays(1);

    public ValidateOptionsResult Validate(string? name, SqliteSessionStoreOptions options)
    {
        var failures = Check(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static List<string> Check(SqliteSessionStoreOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            failures.Add("Session:Sqlite:Path must name the database file; it is empty.");
        }
        else if (options.Path.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0)
        {
            failures.Add($"Session:Sqlite:Path '{options.Path}' is not a valid path.");
        }

        if (!Enum.IsDefined(options.Synchronous))
        {
            failures.Add($"Session:Sqlite:Synchronous must be Normal or Full; it is {options.Synchronous}.");
        }

        if (options.SweepInterval <= TimeSpan.Zero || options.SweepInterval > MaxSweepInterval)
        {
            failures.Add($"Session:Sqlite:SweepInterval must be more than zero and at most one day; it is {options.SweepInterval}.");
        }

        if (options.SweepBatchSize < 1)
        {
            failures.Add($"Session:Sqlite:SweepBatchSize must be at least 1; it is {options.SweepBatchSize}.");
        }

        if (options.CacheSize < 0)
        {
            failures.Add($"Session:Sqlite:CacheSize must be 0 (no cache) or more; it is {options.CacheSize}.");
        }

        if (options.MaxDatabaseSize < MinDatabaseSize)
        {
            failures.Add($"Session:Sqlite:MaxDatabaseSize must be at least 1048576 (1 MiB), or unset for no limit; it is {options.MaxDatabaseSize}.");
        }

        return failures;
    }
}
