namespace ServerSessions.Sqlite;

/// <summary>Options of <see cref="SqliteSessionStore"/>, bound from <c>Session:Sqlite</c>.</summary>
public sealed class SqliteSessionStoreOptions
{
    /// <summary>
    /// The database file. A relative path is resolved against the app's folder (<see cref="AppContext.BaseDirectory"/>),
    /// not the working directory; a missing folder is created. Default <c>data/sessions.db</c>.
    /// </summary>
    public string Path { get; set; } = "data/sessions.db";

    /// <summary>
    /// How each commit reaches the disk. Default <see cref="SqliteSynchronous.Normal"/>: survives a crash of the
    /// process; <see cref="SqliteSynchronous.Full"/> survives a power loss too.
    /// </summary>
    public SqliteSynchronous Synchronous { get; set; } = SqliteSynchronous.Normal;

    /// <summary>How often expired sessions are deleted. Default one minute.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How many sessions one transaction of the sweep reads, deleting the expired ones among them; a sweep walks the
    /// whole table in such batches (and deletes at most this many expired index entries per batch), so requests' writes
    /// wait at most one batch. Default 500.
    /// </summary>
    public int SweepBatchSize { get; set; } = 500;

    /// <summary>
    /// How many recently used sessions are also kept in memory, so that reading them costs no query; 0 turns the cache
    /// off. Writes still commit to the database before they complete, so the cache never holds what the file does not.
    /// It counts sessions, not bytes: the memory it takes is this many times the size of the sessions used lately.
    /// Default 10,000 (about 2.5 MB for small sessions).
    /// </summary>
    public int CacheSize { get; set; } = 10_000;

    /// <summary>
    /// The most bytes the database file may take (SQLite's <c>PRAGMA max_page_count</c>, in whole pages), or none.
    /// When it is full, a write that needs a new page fails, so requests that store a new or a bigger session answer
    /// <c>503</c> instead of filling the disk, and everything stored stays; the sweep's deletions free pages for reuse.
    /// A file already larger keeps its size. The write-ahead log beside it is not counted (it reached 2 MiB when measured).
    /// Default none: the file grows until the disk is full, which fails writes the same way but takes the disk from
    /// everything else on it. At least 1 MiB.
    /// </summary>
    public long? MaxDatabaseSize { get; set; }

    /// <summary>
    /// The most writes waiting for the writer. While the disk or the database lock stalls, they pile up to this; then
    /// further writes fail at once (the middleware answers 503) rather than waiting in memory. Each holds its session's
    /// payload until it commits. Default 10,000.
    /// </summary>
    public int WriteQueueLimit { get; set; } = 10_000;

    /// <summary>
    /// The most uncached reads waiting for the store's reader threads. While every reader is stuck on a stalled disk,
    /// reads pile up to this; then further reads fail at once (the middleware answers 503). Default 1,000.
    /// </summary>
    public int ReadQueueLimit { get; set; } = 1_000;

    /// <summary>Called with each connection the store opens, before it is used: where tests inject a stall at the connection.</summary>
    internal Action<Microsoft.Data.Sqlite.SqliteConnection>? ConnectionOpened { get; set; }

    /// <summary><see cref="Path"/> as an absolute path.</summary>
    internal string FullPath => System.IO.Path.GetFullPath(Path, AppContext.BaseDirectory);
}
