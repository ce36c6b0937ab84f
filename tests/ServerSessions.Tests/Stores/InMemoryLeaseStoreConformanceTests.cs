using Microsoft.Extensions.Time.Testing;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Stores;

/// <summary>The lease contract on <see cref="InMemoryLeaseStore"/>, whose leases lapse by the suite's fake clock.</summary>
public sealed class InMemoryLeaseStoreLeaseConformanceTests : SessionLeaseStoreConformanceTests
{
    protected override IServerSessionLeaseStore CreateStore(FakeTimeProvider time) => new InMemoryLeaseStore(time);
}

/// <summary>The store contract on <see cref="InMemoryLeaseStore"/>: a lease store is a store first.</summary>
public sealed class InMemoryLeaseStoreConformanceTests : SessionStoreConformanceTests
{
    protected override IServerSessionStore CreateStore(FakeTimeProvider time) => new InMemoryLeaseStore(time);
}
