using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ServerSessions.Tests.Stores;

public sealed class MemorySessionIndexConformanceTests : SessionIndexStoreConformanceTests
{
    private MemorySessionStore Memory => (MemorySessionStore)Store;

    protected override IServerSessionIndexStore CreateStore(FakeTimeProvider time) =>
        new MemorySessionStore(new MemorySessionStoreOptions(), time, NullLogger<MemorySessionStore>.Instance);

    protected override Task CleanUpAsync()
    {
        Memory.SweepExpired();
        return Task.CompletedTask;
    }

    // The store is the test's own: every entry it keeps is the test's.
    protected override Task<long> StoredEntriesAsync(string user) => Task.FromResult((long)Memory.IndexCount);
}
