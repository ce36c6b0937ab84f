using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerSessions.Sqlite;
using ServerSessions.Testing;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// <c>StoreTimeout</c> bounds the SQLite store: a stalled read or write answers 503 without holding a thread-pool thread,
/// a full queue answers 503 at once, and a write whose request got a 503 is never applied afterwards unless it had
/// reached SQLite's I/O, which is logged as in doubt. Stalls are injected at the connection: another connection holding
/// the database's write lock, or a hook inside SQLite (<see cref="SqliteConnectionStall"/>). The host's clock is fake:
/// the test moves it past <c>StoreTimeout</c>.
/// </summary>
public sealed class SqliteStallTests : IAsyncDisposable
{
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(2);
    private readonly TempDirectory _folder = new();
    private readonly SqliteConnectionStall _stall = new();
    private readonly LogLines _log = new();
    private SessionTestHost? _host;
    private SqliteSessionStore? _store;

    private string DatabasePath => _folder.File("sessions.db");

    public async ValueTask DisposeAsync()
    {
        _stall.Release();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        _folder.Dispose();
    }

    [Fact]
    public async Task StalledRead_Answers503AfterStoreTimeout_OnAReaderThread_NotAThreadPoolThread()
    {
        var host = await StartAsync(options => options.CacheSize = 0); // every load queries
        var cookie = await VisitCounter.FirstVisitAsync(host);
        _stall.ReadsArmed = true;

        var stalled = host.SendAsync("/count", cookie);
        var reader = await _stall.Entered;

        Assert.False(reader.IsThreadPoolThread, $"The stalled read runs on '{reader.Name}', a thread-pool thread.");
        using (var response = await AnsweredAsync(host, stalled))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        Assert.Equal(1, _stall.Stalled); // still stuck in SQLite: the 503 did not wait for it
        _stall.ReadsArmed = false;
        _stall.Release();
        Assert.Equal("2", await host.GetStringAsync("/count", cookie));
    }

    [Fact]
    public async Task StalledWrite_Answers503_AndIsNeverApplied_WhenAnotherConnectionHoldsTheWriteLock()
    {
        var host = await StartAsync();
        var cookie = await VisitCounter.FirstVisitAsync(host);
        var id = SetCookies.IdOf(cookie);
        var stored = StoredPayload(id);

        using (var holder = HoldWriteLock())
        {
            using var response = await AnsweredAsync(host, host.SendAsync("/count", cookie)); // would store 2
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        // The lock is free. Writes commit in order: had the refused one stayed queued, it would have committed before this.
        await _store!.SetAsync("later", new SessionRecord(new byte[] { 1 }, host.Time.GetUtcNow().AddDays(1)), CancellationToken.None)
            .AsTask().Within("a later write to commit");
        Assert.Equal(stored, StoredPayload(id));
        Assert.Equal("2", await host.GetStringAsync("/count", cookie));
        Assert.False(_log.Any(2107), "A write that never reached SQLite was logged as in doubt.");
    }

    [Fact]
    public async Task FullWriteQueue_Answers503AtOnce_WithoutWaitingForStoreTimeout()
    {
        var host = await StartAsync(options => options.WriteQueueLimit = 1);
        var cookie = await VisitCounter.FirstVisitAsync(host);
        using var holder = HoldWriteLock();
        var record = new SessionRecord(new byte[] { 1 }, host.Time.GetUtcNow().AddDays(1));
        var taken = _store!.SetAsync("taken", record, CancellationToken.None).AsTask(); // the writer takes it and waits for the lock
        await Bounded.UntilAsync(() => _store.QueuedWrites == 0, "the writer to take the first write");
        var queued = _store.SetAsync("queued", record, CancellationToken.None).AsTask(); // fills the queue

        // The clock never moves: only a write refused at once is answered.
        using (var response = await host.SendAsync("/count", cookie).Within("the write beyond the queue's limit to be refused"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        // They commit once the lock is free, or fail if the writer waited for it longer than it waits for anyone (5 s).
        holder.Dispose();
        await Task.WhenAll(taken, queued).ContinueWith(static _ => { }, TaskScheduler.Default).Within("the queued writes to end");
        Assert.Equal("2", await host.GetStringAsync("/count", cookie));
    }

    [Fact]
    public async Task FullReadQueue_Answers503AtOnce_WhileEveryReaderIsStalled()
    {
        var host = await StartAsync(options =>
        {
            options.CacheSize = 0;
            options.ReadQueueLimit = 1;
        });
        var cookie = await VisitCounter.FirstVisitAsync(host);
        _stall.ReadsArmed = true;
        var reads = new List<Task<SessionRecord?>>();
        for (var i = 1; i <= SessionReaderPool.ReaderCount; i++)
        {
            // One at a time: the queue holds one read until a reader takes it.
            reads.Add(_store!.GetAsync($"other-{i}", CancellationToken.None).AsTask());
            await Bounded.UntilAsync(() => _stall.Stalled == i, $"reader {i} to stall");
        }

        reads.Add(_store!.GetAsync("queued", CancellationToken.None).AsTask()); // fills the queue

        using (var response = await host.SendAsync("/count", cookie).Within("the read beyond the queue's limit to be refused"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        _stall.ReadsArmed = false;
        _stall.Release();
        Assert.All(await Task.WhenAll(reads).Within("the stalled reads to finish"), Assert.Null);
        Assert.Equal("2", await host.GetStringAsync("/count", cookie));
    }

    [Fact]
    public async Task WriteStalledInItsCommit_Answers503_AndIsLoggedInDoubt_ThenWithWhatBecameOfIt()
    {
        var host = await StartAsync();
        var cookie = await VisitCounter.FirstVisitAsync(host);
        var session = new SessionLogId(SetCookies.IdOf(cookie)).ToString();
        _stall.CommitsArmed = true;

        var stalled = host.SendAsync("/count", cookie);
        await _stall.Entered;
        using (var response = await AnsweredAsync(host, stalled))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        Assert.True(_log.Any(2107, session), "The write caught in its commit was not logged as in doubt.");
        _stall.CommitsArmed = false;
        _stall.Release();
        await Bounded.UntilAsync(() => _log.Any(2108, $"{session} that was in doubt was applied"), "the in-doubt write's outcome to be logged");
        Assert.Equal("3", await host.GetStringAsync("/count", cookie)); // it was applied: the store held 2
    }

    [Fact]
    public async Task NoLogLine_CarriesASessionIdOrCookieValue_ThroughSqliteStallsAndFaults()
    {
        var host = await StartAsync(options => options.CacheSize = 0);
        var cookie = await VisitCounter.FirstVisitAsync(host);
        var id = SetCookies.IdOf(cookie);
        var value = cookie[(cookie.IndexOf('=') + 1)..];

        // Rejected cookies: a bad signature, an unsigned ID.
        Assert.Equal("1", await host.GetStringAsync("/count", $"connect.sid=s%3A{id}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        Assert.Equal("1", await host.GetStringAsync("/count", $"connect.sid={id}"));

        // A stalled read, a write kept from the lock, a write stalled in its commit (in doubt).
        _stall.ReadsArmed = true;
        await AssertUnavailableAsync(host, cookie);
        _stall.ReadsArmed = false;
        using (HoldWriteLock())
        {
            await AssertUnavailableAsync(host, cookie);
        }

        _stall.CommitsArmed = true;
        await AssertUnavailableAsync(host, cookie);
        _stall.CommitsArmed = false;
        _stall.Release();
        await Bounded.UntilAsync(() => _log.Any(2108), "the in-doubt write's outcome to be logged");

        // Faults: the table is gone, so the read fails; a write's batch fails and is rolled back.
        Execute("DROP TABLE sessions");
        using (var response = await host.SendAsync("/count", cookie))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        await Assert.ThrowsAsync<SqliteException>(() => _store!.SetAsync(id, new SessionRecord(new byte[] { 1 }, host.Time.GetUtcNow().AddDays(1)), CancellationToken.None).AsTask());

        // Each kind of line the test means to scan was logged.
        Assert.True(_log.Any(2107) && _log.Any(2102), "The in-doubt write and the failed batch were not both logged.");
        Assert.Contains(_log.Lines, line => line.Contains(nameof(SqliteException), StringComparison.Ordinal));
        _log.AssertNoLineCarries(id, value, Uri.UnescapeDataString(value));
    }

    private async Task<SessionTestHost> StartAsync(Action<SqliteSessionStoreOptions>? configure = null)
    {
        var loggers = _log.CreateFactory();
        _host = await SessionTestHost.StartAsync(
            app => app.MapGet("/count", VisitCounter.Count),
            options => options.StoreTimeout = StoreTimeout,
            services: services => services.AddSingleton(loggers),
            store: time =>
            {
                var options = new SqliteSessionStoreOptions { Path = DatabasePath, ConnectionOpened = _stall.Install };
                configure?.Invoke(options);
                return _store = new SqliteSessionStore(options, time, loggers.CreateLogger<SqliteSessionStore>());
            });
        return _host;
    }

    /// <summary>Moves the host's clock on until the stalled request is answered: past <c>StoreTimeout</c> once it waits.</summary>
    private static async Task<HttpResponseMessage> AnsweredAsync(SessionTestHost host, Task<HttpResponseMessage> pending)
    {
        await Bounded.UntilAsync(
            () =>
            {
                if (!pending.IsCompleted)
                {
                    host.Time.Advance(StoreTimeout / 4);
                }

                return pending.IsCompleted;
            },
            "the stalled request to be answered");
        return await pending;
    }

    private static async Task AssertUnavailableAsync(SessionTestHost host, string cookie)
    {
        using var response = await AnsweredAsync(host, host.SendAsync("/count", cookie));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    /// <summary>Another connection's write transaction: in WAL mode it keeps the store's writer from the database (not its readers).</summary>
    private SqliteConnection HoldWriteLock()
    {
        var holder = Connect();
        using var begin = holder.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE";
        begin.ExecuteNonQuery();
        return holder; // disposing it rolls back and frees the lock
    }

    private byte[] StoredPayload(string id)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload FROM sessions WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return (byte[])command.ExecuteScalar()!;
    }

    private void Execute(string sql)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
