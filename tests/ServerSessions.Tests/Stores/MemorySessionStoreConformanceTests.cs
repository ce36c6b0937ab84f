using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ServerSessions.Tests.Stores;

public sealed class MemorySessionStoreConformanceTests : SessionStoreConformanceTests
{
    protected override IServerSessionStore CreateStore(FakeTimeProvider time) =>
        new MemorySessionStore(new MemorySessionStoreOptions(), time, NullLogger<MemorySessionStore>.Instance);
}
