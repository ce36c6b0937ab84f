using Microsoft.Extensions.Time.Testing;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// The <see cref="ISessionStore"/> contract, run against every store: each store's test class derives from this one
/// and only says how to build the store on a fake clock.
/// </summary>
public abstract class SessionStoreConformanceTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private ISessionStore? _store;

    protected static DateTimeOffset Start { get; } = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    protected FakeTimeProvider Time { get; } = new(Start);

    protected ISessionStore Store => _store ?? throw new InvalidOperationException("The store is built in InitializeAsync.");

    public Task InitializeAsync()
    {
        _store = CreateStore(Time);
        return Task.CompletedTask;
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
    protected abstract ISessionStore CreateStore(FakeTimeProvider time);

    [Fact]
    public async Task UnknownId_IsNotFound()
    {
        Assert.Null(await Store.GetAsync(NewId(), None));
    }

    [Fact]
    public async Task SetSession_IsReturnedWithItsExactPayloadAndExpiry()
    {
        var id = NewId();
        byte[] payload = [0xFF, 0xFE, 0x00, 0xC3, 0x28, 0x80, 0x7B, 0x7D, 0xF5]; // not valid UTF-8, with a NUL
        var expires = Start.AddMinutes(20).AddMilliseconds(123);

        await Store.SetAsync(id, new SessionRecord(payload, expires), None);

        var record = await Store.GetAsync(id, None);
        Assert.NotNull(record);
        Assert.Equal(payload, record.Value.Payload.ToArray());
        Assert.Equal(expires, record.Value.Expires);
    }

    [Fact]
    public async Task LargePayload_RoundTripsIntact()
    {
        var id = NewId();
        var payload = new byte[64 * 1024];
        new Random(42).NextBytes(payload);

        await Store.SetAsync(id, new SessionRecord(payload, Start.AddHours(1)), None);

        Assert.Equal(payload, (await Store.GetAsync(id, None))?.Payload.ToArray());
    }

    [Fact]
    public async Task EmptyPayload_RoundTripsAsEmpty()
    {
        var id = NewId();

        await Store.SetAsync(id, new SessionRecord(ReadOnlyMemory<byte>.Empty, Start.AddHours(1)), None);

        var record = await Store.GetAsync(id, None);
        Assert.NotNull(record);
        Assert.Equal(0, record.Value.Payload.Length);
    }

    [Fact]
    public async Task PayloadSlice_StoresOnlyTheSlice()
    {
        var id = NewId();
        byte[] buffer = [1, 2, 3, 4, 5, 6];

        await Store.SetAsync(id, new SessionRecord(buffer.AsMemory(2, 3), Start.AddHours(1)), None);

        Assert.Equal([3, 4, 5], (await Store.GetAsync(id, None))?.Payload.ToArray());
    }

    [Fact]
    public async Task Set_ReplacesTheStoredSession()
    {
        var id = NewId();
        await Store.SetAsync(id, new SessionRecord(Bytes("first, and longer"), Start.AddHours(1)), None);

        await Store.SetAsync(id, new SessionRecord(Bytes("second"), Start.AddHours(2)), None);

        var record = await Store.GetAsync(id, None);
        Assert.Equal(Bytes("second"), record?.Payload.ToArray());
        Assert.Equal(Start.AddHours(2), record?.Expires);
    }

    [Fact]
    public async Task Destroy_RemovesTheSession()
    {
        var id = NewId();
        await Store.SetAsync(id, new SessionRecord(Bytes("x"), Start.AddHours(1)), None);

        await Store.DestroyAsync(id, None);

        Assert.Null(await Store.GetAsync(id, None));
    }

    [Fact]
    public async Task DestroyingAnUnknownId_SucceedsAndLeavesOtherSessionsAlone()
    {
        var other = NewId();
        await Store.SetAsync(other, new SessionRecord(Bytes("other"), Start.AddHours(1)), None);

        await Store.DestroyAsync(NewId(), None);

        Assert.Equal(Bytes("other"), (await Store.GetAsync(other, None))?.Payload.ToArray());
    }

    [Fact]
    public async Task Touch_MovesTheExpiryAndKeepsThePayload()
    {
        var id = NewId();
        await Store.SetAsync(id, new SessionRecord(Bytes("kept"), Start.AddMinutes(10)), None);
        var later = Start.AddHours(1).AddMilliseconds(7);

        await Store.TouchAsync(id, later, None);
        Time.Advance(TimeSpan.FromMinutes(30)); // past the old expiry, before the new one

        var record = await Store.GetAsync(id, None);
        Assert.NotNull(record);
        Assert.Equal(Bytes("kept"), record.Value.Payload.ToArray());
        Assert.Equal(later, record.Value.Expires);
    }

    [Fact]
    public async Task TouchingAnUnknownId_CreatesNothing()
    {
        var id = NewId();

        await Store.TouchAsync(id, Start.AddHours(1), None);

        Assert.Null(await Store.GetAsync(id, None));
    }

    [Fact]
    public async Task TouchingAnExpiredSession_DoesNotBringItBack()
    {
        var id = NewId();
        await Store.SetAsync(id, new SessionRecord(Bytes("gone"), Start.AddMinutes(1)), None);
        Time.Advance(TimeSpan.FromMinutes(1));

        await Store.TouchAsync(id, Start.AddHours(1), None);

        Assert.Null(await Store.GetAsync(id, None));
    }

    [Fact]
    public async Task TouchingADestroyedSession_DoesNotBringItBack()
    {
        var id = NewId();
        await Store.SetAsync(id, new SessionRecord(Bytes("gone"), Start.AddMinutes(10)), None);
        await Store.DestroyAsync(id, None);

        await Store.TouchAsync(id, Start.AddHours(1), None);

        Assert.Null(await Store.GetAsync(id, None));
    }

    [Fact]
    public async Task Session_IsFoundUntilItsExpiry_AndNotFoundAtIt()
    {
        var id = NewId();
        var expires = Start.AddMinutes(5);
        await Store.SetAsync(id, new SessionRecord(Bytes("x"), expires), None);

        Time.SetUtcNow(expires.AddMilliseconds(-1));
        Assert.NotNull(await Store.GetAsync(id, None));

        Time.SetUtcNow(expires);
        Assert.Null(await Store.GetAsync(id, None));
    }

    [Fact]
    public async Task ExpiredSession_IsNotFound()
    {
        var id = NewId();
        await Store.SetAsync(id, new SessionRecord(Bytes("x"), Start.AddMinutes(5)), None);

        Time.Advance(TimeSpan.FromHours(3));

        Assert.Null(await Store.GetAsync(id, None));
    }

    [Fact]
    public async Task SessionSetWithAPastExpiry_IsNotFound()
    {
        var id = NewId();

        await Store.SetAsync(id, new SessionRecord(Bytes("x"), Start.AddSeconds(-1)), None);

        Assert.Null(await Store.GetAsync(id, None));
    }

    [Fact]
    public async Task ConcurrentSetsAndGets_OnManyIds_AllLand()
    {
        var sessions = Enumerable.Range(0, 300).Select(i => (Id: NewId(), Payload: Bytes($"session {i} " + new string('x', i)))).ToArray();

        await Task.WhenAll(sessions.Select(session => Task.Run(async () =>
        {
            await Store.SetAsync(session.Id, new SessionRecord(session.Payload, Start.AddHours(1)), None);
            Assert.Equal(session.Payload, (await Store.GetAsync(session.Id, None))?.Payload.ToArray());
        })));

        foreach (var session in sessions)
        {
            Assert.Equal(session.Payload, (await Store.GetAsync(session.Id, None))?.Payload.ToArray());
        }
    }

    [Fact]
    public async Task ConcurrentWritesToOneId_LeaveOneWrittenValueIntact()
    {
        var id = NewId();
        // Each writer's payload is one repeated byte, so a mix of two writes would show.
        var payloads = Enumerable.Range(1, 64).Select(i => Enumerable.Repeat((byte)i, 4096 + i).ToArray()).ToArray();
        var seen = new System.Collections.Concurrent.ConcurrentBag<byte[]>();

        await Task.WhenAll(payloads.Select(payload => Task.Run(async () =>
        {
            await Store.SetAsync(id, new SessionRecord(payload, Start.AddHours(1)), None);
            if (await Store.GetAsync(id, None) is { } record)
            {
                seen.Add(record.Payload.ToArray());
            }
        })));

        var final = (await Store.GetAsync(id, None))?.Payload.ToArray();
        Assert.NotNull(final);
        Assert.Contains(payloads, payload => payload.AsSpan().SequenceEqual(final));
        Assert.NotEmpty(seen);
        Assert.All(seen, read => Assert.Contains(payloads, payload => payload.AsSpan().SequenceEqual(read)));
    }

    private static string NewId() => Guid.NewGuid().ToString("N");

    private static byte[] Bytes(string text) => System.Text.Encoding.UTF8.GetBytes(text);
}
