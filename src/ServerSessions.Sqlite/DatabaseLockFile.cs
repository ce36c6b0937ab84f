namespace ServerSessions.Sqlite;

/// <summary>
/// <c>&lt;database&gt;.lock</c>, held open with no sharing for the store's lifetime, so a second store on the same
/// database (in this process or another) fails at startup instead of two writers contending for the file. The file
/// itself is left in place: deleting it on release would race with the next owner opening it.
/// </summary>
internal sealed class DatabaseLockFile : IDisposable
{
    // How .NET reports a held lock: ERROR_SHARING_VIOLATION or ERROR_LOCK_VIOLATION on Windows, flock's errno
    // EWOULDBLOCK (11 on Linux, 35 on macOS and the BSDs) elsewhere.
    private const int SharingViolation = unchecked((int)0x80070020);
    private const int LockViolation = unchecked((int)0x80070021);
    private readonly FileStream _stream;

    private DatabaseLockFile(FileStream stream) => _stream = stream;

    public static DatabaseLockFile Acquire(string databasePath)
    {
        var lockPath = databasePath + ".lock";
        try
        {
            return new DatabaseLockFile(new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException ex) when (IsHeldByAnother(ex))
        {
            throw new InvalidOperationException(
                $"The SQLite session database '{databasePath}' is already in use by another session store (its lock file " +
                $"'{lockPath}' is held). One process owns a SQLite session store; to share sessions across processes or " +
                "instances, use the Redis store.", ex);
        }
    }

    public void Dispose() => _stream.Dispose();

    private static bool IsHeldByAnother(IOException exception) =>
        OperatingSystem.IsWindows()
            ? exception.HResult is SharingViolation or LockViolation
            : exception.HResult == (OperatingSystem.IsLinux() ? 11 : 35);
}
