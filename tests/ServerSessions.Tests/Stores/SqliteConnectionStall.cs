using Microsoft.Data.Sqlite;
using ServerSessions.Testing;
using SQLitePCL;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// A stall injected into the SQLite store's own connections, inside SQLite: once armed, a statement that runs on a reader
/// (SQLite's progress handler, called as it steps) or a commit of the writer (its commit hook, called just before the
/// commit's I/O) blocks there, as on a stalled disk, until the test releases it. Install with
/// <c>options.ConnectionOpened = stall.Install</c>.
/// </summary>
internal sealed class SqliteConnectionStall
{
    private readonly ManualResetEventSlim _released = new();
    private readonly TaskCompletionSource<Thread> _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly delegate_progress _onStep;
    private readonly delegate_commit _onCommit;
    private int _stalled;
    private int _connections;

    public SqliteConnectionStall()
    {
        _onStep = _ => Stall(ReadsArmed);
        _onCommit = _ => Stall(CommitsArmed);
    }

    /// <summary>Whether statements on read connections stall.</summary>
    public bool ReadsArmed { get; set; }

    /// <summary>Whether the writer's commits stall.</summary>
    public bool CommitsArmed { get; set; }

    /// <summary>The first thread that stalled, once one has.</summary>
    public Task<Thread> Entered => _entered.Task.Within("a SQLite statement to reach the stall");

    /// <summary>How many statements are stalled now.</summary>
    public int Stalled => Volatile.Read(ref _stalled);

    public void Install(SqliteConnection connection)
    {
        // The store opens its writer's connection first, in its constructor, and readers' connections on their first read.
        if (Interlocked.Increment(ref _connections) == 1)
        {
            raw.sqlite3_commit_hook(connection.Handle, _onCommit, null);
        }
        else
        {
            raw.sqlite3_progress_handler(connection.Handle, 1, _onStep, null);
        }
    }

    public void Release() => _released.Set();

    private int Stall(bool armed)
    {
        if (armed && !_released.IsSet)
        {
            Interlocked.Increment(ref _stalled);
            _entered.TrySetResult(Thread.CurrentThread);

            // Bounded, so that a test that failed early cannot keep the store from closing.
            _released.Wait(Bounded.Limit);
            Interlocked.Decrement(ref _stalled);
        }

        return 0; // go on (the progress handler) and commit (the commit hook)
    }
}
