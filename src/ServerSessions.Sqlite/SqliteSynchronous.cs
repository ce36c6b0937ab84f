namespace ServerSessions.Sqlite;

/// <summary>How hard SQLite pushes each committed write to the disk (its <c>PRAGMA synchronous</c>), in WAL mode.</summary>
public enum SqliteSynchronous
{
    /// <summary>
    /// <c>NORMAL</c>: a committed write is in the write-ahead log, so it survives the process crashing or being killed;
    /// the last writes before a power loss or an OS crash may be lost. The default.
    /// </summary>
    Normal,

    /// <summary><c>FULL</c>: every commit is flushed to the disk, so it survives a power loss too, at the cost of an fsync per batch.</summary>
    Full,
}
