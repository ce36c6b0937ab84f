using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using ServerSessions.Redis;
using ServerSessions.Sqlite;
using ServerSessions.Testing;

namespace ServerSessions.Benchmarks;

/// <summary>
/// How many bytes each store grows by per session (issue 14): writes <c>count</c> sessions of VisitTracker's size
/// after one visit through each store's API and measures the Memory store's managed heap, the SQLite file and
/// Redis's <c>used_memory</c> before and after. Not a BenchmarkDotNet benchmark: one pass, printed as Markdown.
/// <c>dotnet run -c Release --project bench/ServerSessions.Benchmarks -- growth [count]</c> (default 200,000).
/// </summary>
internal static class StoreGrowth
{
    private const int Batch = 512;

    public static async Task RunAsync(int count)
    {
        var ids = new string[count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));
        }

        // What VisitTracker stores after a first visit.
        var payload = Encoding.UTF8.GetBytes($"{{\"visits\":1,\"__created\":{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}}");
        var expires = DateTimeOffset.UtcNow.AddDays(1);
        Console.WriteLine($"{count:N0} sessions of {payload.Length} bytes ({Encoding.UTF8.GetString(payload)})");
        Console.WriteLine();
        Console.WriteLine("| store | measure | before | after | per session | per million |");
        Console.WriteLine("|---|---|--:|--:|--:|--:|");

        var before = GC.GetTotalMemory(forceFullCollection: true);
        using (var memory = new MemorySessionStore(new MemorySessionStoreOptions { MaxSessions = count, MaxBytes = 1L << 40 }))
        {
            await FillAsync(memory, ids, payload, expires);
            Row("Memory", "managed heap", before, GC.GetTotalMemory(forceFullCollection: true), count);
        }

        var folder = Directory.CreateTempSubdirectory("store-growth-");
        try
        {
            var path = Path.Combine(folder.FullName, "sessions.db");
            await using (var sqlite = new SqliteSessionStore(new SqliteSessionStoreOptions { Path = path }, TimeProvider.System, NullLogger<SqliteSessionStore>.Instance))
            {
                await FillAsync(sqlite, ids, payload, expires);
                Console.WriteLine($"|  | write-ahead log, open | | {new FileInfo(path + "-wal").Length:N0} | | |");
            }

            Row("SQLite", "file, closed", 0, new FileInfo(path).Length, count);
        }
        finally
        {
            folder.Delete(recursive: true);
        }

        await using var server = await RedisServer.StartAsync();
        await using var redis = new RedisSessionStore(
            new RedisSessionStoreOptions { Configuration = server.ConfigurationString }, new SessionCookieOptions(), TimeProvider.System, NullLogger<RedisSessionStore>.Instance);
        before = await UsedMemoryAsync(server);
        await FillAsync(redis, ids, payload, expires);
        Row("Redis", "used_memory", before, await UsedMemoryAsync(server), count);
    }

    // Several writes in flight at once, as under load: the SQLite writer commits them in batches.
    private static async Task FillAsync(IServerSessionStore store, string[] ids, byte[] payload, DateTimeOffset expires)
    {
        var writes = new List<Task>(Batch);
        for (var i = 0; i < ids.Length; i += Batch)
        {
            writes.Clear();
            for (var j = i; j < Math.Min(ids.Length, i + Batch); j++)
            {
                // A fresh array each, as the middleware hands over.
                writes.Add(store.SetAsync(ids[j], new SessionRecord(payload.ToArray(), expires), default).AsTask());
            }

            await Task.WhenAll(writes);
        }
    }

    private static async Task<long> UsedMemoryAsync(RedisServer server)
    {
        var info = await server.CommandAsync("INFO", "memory");
        var line = info.Split('\n').Single(l => l.StartsWith("used_memory:", StringComparison.Ordinal));
        return long.Parse(line["used_memory:".Length..].Trim(), CultureInfo.InvariantCulture);
    }

    private static void Row(string store, string measure, long before, long after, int count)
    {
        var perSession = (after - before) / (double)count;
        Console.WriteLine($"| {store} | {measure} | {before:N0} | {after:N0} | {perSession:N1} B | {perSession * 1e6 / (1 << 20):N0} MiB |");
    }
}
