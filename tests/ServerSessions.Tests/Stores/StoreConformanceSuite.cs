using Microsoft.Extensions.Time.Testing;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// What both conformance suites share: the store under test, built on a fake clock that starts at the real now (to the
/// millisecond, the unit stores keep) once the store has made its first call, and disposed after each test.
/// </summary>
/// <typeparam name="TStore">The contract under test.</typeparam>
public abstract class StoreConformanceSuite<TStore> : IAsyncLifetime
    where TStore : class, IServerSessionStore
{
    protected static readonly CancellationToken None = CancellationToken.None;
    private TStore? _store;

    /// <summary>The real now when the test begins, to the millisecond; the fake clock is there until the test moves it.</summary>
    protected DateTimeOffset Start { get; private set; } = RealNow();

    protected FakeTimeProvider Time { get; } = new(RealNow());

    /// <summary>
    /// How far a loaded session's expiry may be from the one written: none for a store that keeps the instant; a store
    /// that keeps a time to live (Redis) reads back its clock's now plus the time left, which the round trip blurs.
    /// </summary>
    protected virtual TimeSpan ExpiryTolerance => TimeSpan.Zero;

    protected TStore Store => _store ?? throw new InvalidOperationException("The store is built in InitializeAsync.");

    public async Task InitializeAsync()
    {
        _store = CreateStore(Time);

        // The store's first call (a connection, a file) is made before the test's clock starts: a store on a real clock
        // (Redis) then sees the lifetimes the test writes, not what is left of them.
        await _store.GetAsync(NewId(), None);
        Start = RealNow();
        Time.SetUtcNow(Start);
    }

    public virtual async Task DisposeAsync()
    {
        switch (_store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    /// <summary>Builds the store under test on <paramref name="time"/>.</summary>
    protected abstract TStore CreateStore(FakeTimeProvider time);

    protected void AssertExpiry(DateTimeOffset expected, DateTimeOffset actual) =>
        Assert.InRange(actual, expected - ExpiryTolerance, expected + ExpiryTolerance);

    protected static string NewId() => Guid.NewGuid().ToString("N");

    protected static byte[] Bytes(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    private static DateTimeOffset RealNow() => DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
}
