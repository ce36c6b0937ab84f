using Microsoft.Extensions.Time.Testing;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// The <see cref="IServerSessionStore"/> contract, run against every store: each store's test class derives from this one
/// and says how to build the store on the suite's fake clock, and, for a store that expires sessions by a clock of its
/// own (Redis), how to let that clock pass an instant.
/// </summary>
/// <remarks>
/// The fake clock starts at the real now (to the millisecond, the unit stores keep), never at a fixed date: a store
/// that meets a real clock sees a plausible instant on any date. The expiry cases use lifetimes of at most 2 s, so a
/// store with a real clock runs them in real time.
/// </remarks>
public abstract class SessionStoreConformanceTests : StoreConformanceSuite<IServerSessionStore>
{
    /// <summary>
    /// Brings the store's clock to <paramref name="instant"/>: moves the fake clock there. A store that expires sessions by
    /// a clock of its own also waits (bounded) until that clock has passed it.
    /// </summary>
    protected virtual Task PassAsync(DateTimeOffset instant)
    {
        if (instant > Time.GetUtcNow())
        {
            Time.SetUtcNow(instant);
        }

        return Task.CompletedTask;
    }

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
        AssertExpiry(expires, record.Value.Expires);
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
        Assert.NotNull(record);
        Assert.Equal(Bytes("second"), record.Value.Payload.ToArray());
        AssertExpiry(Start.AddHours(2), record.Value.Expires);
    }

    [Fact]
    public async Task Destroy_RemovesTheSession()
    {
        var id = NewId();
        await Store.SetAsync(id, new SessionRecord(Bytes("x"), Start.AddHours(1)), None);
        Assert.NotNull(await Store.GetAsync(id, None));

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
        await Store.SetAsync(id, new SessionRecord(Bytes("kept"), Start.AddSeconds(2)), None);
        var later = Start.AddHours(1).AddMilliseconds(7);

        Assert.True(await Store.TouchAsync(id, Bytes("kept"), later, None));
        await PassAsync(Start.AddSeconds(2)); // past the old expiry, long before the new one

        var record = await Store.GetAsync(id, None);
        Assert.NotNull(record);
        Assert.Equal(Bytes("kept"), record.Value.Payload.ToArray());
        AssertExpiry(later, record.Value.Expires);
    }

    [Fact]
    public async Task Touch_WithThePayloadAsRead_MovesTheExpiry()
    {
        var id = NewId();
        await Store.SetAsync(id, new SessionRecord(Bytes("""{"visits":3,"__created":1764201600000}"""), Start.AddSeconds(2)), None);
        var read = (await Store.GetAsync(id, None))!.Value.Payload.ToArray();
        var later = Start.AddHours(1).AddMilliseconds(7);

        Assert.True(await Store.TouchAsync(id, read, later, None));
        Assert.True(await Store.TouchAsync(id, read, later.AddMinutes(1), None)); // a touch leaves the payload as it was
        await PassAsync(Start.AddSeconds(2));

        AssertExpiry(later.AddMinutes(1), (await Store.GetAsync(id, None))!.Value.Expires);
    }

    [Fact]
    public async Task Touch_AfterASaveOfAnotherMaxAge_LeavesThatSavesLongerExpiry()
    {
        // Request A reads the session; request B saves it with a 30-day MaxAge ("remember me"); A's touch comes last.
        var id = NewId();
        await Store.SetAsync(id, new SessionRecord(Bytes("""{"user":"ada","__created":1764201600000}"""), Start.AddHours(1)), None);
        var read = (await Store.GetAsync(id, None))!.Value.Payload.ToArray();
        var saved = Start.AddDays(30).AddMilliseconds(3);
        await Store.SetAsync(id, new SessionRecord(Bytes("""{"user":"ada","__created":1764201600000,"__maxAge":2592000000}"""), saved), None);

        Assert.False(await Store.TouchAsync(id, read, Start.AddDays(1), None));

        AssertExpiry(saved, (await Store.GetAsync(id, None))!.Value.Expires);
    }

    [Fact]
    public async Task Touch_AfterASaveOfOtherValues_LeavesThatSavesShorterExpiry()
    {
        var id = NewId();
        await Store.SetAsync(id, new SessionRecord(Bytes("""{"user":"ada","__created":1764201600000}"""), Start.AddHours(1)), None);
        var read = (await Store.GetAsync(id, None))!.Value.Payload.ToArray();
        var saved = Start.AddMinutes(5).AddMilliseconds(3);
        await Store.SetAsync(id, new SessionRecord(Bytes("""{"user":null,"__created":1764201600000}"""), saved), None);

        Assert.False(await Store.TouchAsync(id, read, Start.AddDays(1), None));

        var record = await Store.GetAsync(id, None);
        AssertExpiry(saved, record!.Value.Expires);
        Assert.Equal("""{"user":null,"__created":1764201600000}""", System.Text.Encoding.UTF8.GetString(record.Value.Payload.Span));
    }

    [Fact]
    public async Task TouchingAnUnknownId_CreatesNothing()
    {
        var id = NewId();

        Assert.False(await Store.TouchAsync(id, Bytes("{}"), Start.AddHours(1), None));

        Assert.Null(await Store.GetAsync(id, None));
    }

    [Fact]
    public async Task TouchingAnExpiredSession_DoesNotBringItBack()
    {
        var id = NewId();
        await Store.SetAsync(id, new SessionRecord(Bytes("gone"), Start.AddSeconds(2)), None);
        Assert.NotNull(await Store.GetAsync(id, None));
        await PassAsync(Start.AddSeconds(2));

        Assert.False(await Store.TouchAsync(id, Bytes("gone"), Start.AddHours(1), None));

        Assert.Null(await Store.GetAsync(id, None));
    }

    [Fact]
    public async Task TouchingADestroyedSession_DoesNotBringItBack()
    {
        var id = NewId();
        await Store.SetAsync(id, new SessionRecord(Bytes("gone"), Start.AddMinutes(10)), None);
        Assert.NotNull(await Store.GetAsync(id, None));
        await Store.DestroyAsync(id, None);

        Assert.False(await Store.TouchAsync(id, Bytes("gone"), Start.AddHours(1), None));

        Assert.Null(await Store.GetAsync(id, None));
    }

    [Fact]
    public async Task Session_IsFoundUntilItsExpiry_AndNotFoundAtIt()
    {
        var id = NewId();
        var expires = Start.AddSeconds(2);
        await Store.SetAsync(id, new SessionRecord(Bytes("x"), expires), None);

        // A store that reads expiries back only to within a tolerance is asked well before it (here: at once).
        await PassAsync(expires - (2 * ExpiryTolerance) - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(await Store.GetAsync(id, None));

        await PassAsync(expires);
        Assert.Null(await Store.GetAsync(id, None));
    }

    [Fact]
    public async Task ExpiredSession_IsNotFound()
    {
        var id = NewId();
        await Store.SetAsync(id, new SessionRecord(Bytes("x"), Start.AddSeconds(2)), None);
        Assert.NotNull(await Store.GetAsync(id, None));

        await PassAsync(Start.AddSeconds(2));

        Assert.Null(await Store.GetAsync(id, None));
    }

    [Fact]
    public async Task SessionSetWithAPastExpiry_IsNotFound()
    {
        var id = NewId();
        await Store.SetAsync(id, new SessionRecord(Bytes("x"), Start.AddHours(1)), None);
        Assert.NotNull(await Store.GetAsync(id, None));

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
}
