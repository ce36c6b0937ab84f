using ServerSessions;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>
/// A <see cref="RecordingStore"/> around a store that leases sessions, so the middleware still sees the lease interface;
/// lease calls are recorded as "lease", "renew", "set-leased", "destroy-leased", "release" and "wait".
/// </summary>
internal sealed class RecordingLeaseStore(IServerSessionLeaseStore inner) : RecordingStore(inner), IServerSessionLeaseStore
{
    public async ValueTask<SessionLease> GetAndLeaseAsync(string id, string holder, TimeSpan duration, CancellationToken cancellationToken)
    {
        await Before("lease");
        return await inner.GetAndLeaseAsync(id, holder, duration, cancellationToken);
    }

    public async ValueTask<bool> RenewLeaseAsync(string id, string holder, TimeSpan duration, CancellationToken cancellationToken)
    {
        await Before("renew");
        return await inner.RenewLeaseAsync(id, holder, duration, cancellationToken);
    }

    public async ValueTask<bool> SetLeasedAsync(string id, SessionRecord record, string holder, bool release, CancellationToken cancellationToken)
    {
        await Before("set-leased");
        return await inner.SetLeasedAsync(id, record, holder, release, cancellationToken);
    }

    public async ValueTask<bool> DestroyLeasedAsync(string id, string holder, CancellationToken cancellationToken)
    {
        await Before("destroy-leased");
        return await inner.DestroyLeasedAsync(id, holder, cancellationToken);
    }

    public async ValueTask ReleaseLeaseAsync(string id, string holder, CancellationToken cancellationToken)
    {
        await Before("release");
        await inner.ReleaseLeaseAsync(id, holder, cancellationToken);
    }

    public async Task WaitForReleaseAsync(string id, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        await Before("wait");
        await inner.WaitForReleaseAsync(id, maxWait, cancellationToken);
    }
}
