namespace ServerSessions.Tests.Telemetry;

/// <summary>
/// Each exception the middleware answers with a 503 or 429 names its own <c>server_sessions.refusal.cause</c>, the lease's
/// causes included (which need two nodes and a lapsed lease to happen for real; the in-process causes are proven
/// end to end in <see cref="RefusalMetricsTests"/> and <see cref="StoreCallTelemetryTests"/>).
/// </summary>
public sealed class RefusalCauseTests
{
    public static TheoryData<Exception, string> Refusals => new()
    {
        { new SessionBusyException("waited", SessionBusyCause.LockWait), "lock_wait" },
        { new SessionBusyException("waited", new TimeoutException()), "lock_wait" }, // SessionLocks' timeout
        { new SessionBusyException("full", SessionBusyCause.TooManyWaiters), "waiter_limit" },
        { new SessionBusyException("held", SessionBusyCause.HeldTooLong), "hold_limit" },
        { new SessionBusyException("other node", SessionBusyCause.LeaseWait), "lease_wait" },
        { new SessionBusyException("lapsed", SessionBusyCause.LeaseLapsed), "lease_lapsed" },
        { new SessionStoreException("failed", new InvalidOperationException()), "store_failure" },
        { new SessionStoreException("failed", new TimeoutException()), "store_timeout" },
        { new NewSessionLimitedException(TimeSpan.FromSeconds(1)), "new_session_limit" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void EachRefusal_IsCountedUnderItsOwnCause(Exception refusal, string cause) =>
        Assert.Equal(cause, SessionMetrics.CauseOf(refusal));
}
