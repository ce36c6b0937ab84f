using ServerSessions;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>A <see cref="RecordingStore"/> over a store that keeps a session index, recording its index calls too.</summary>
internal sealed class RecordingIndexStore(IServerSessionIndexStore inner) : RecordingStore(inner), IServerSessionIndexStore
{
    public async ValueTask IndexAsync(string user, string id, SessionIndexEntry entry, CancellationToken cancellationToken)
    {
        await Before("index");
        await inner.IndexAsync(user, id, entry, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<IndexedSession>> ListAsync(string user, CancellationToken cancellationToken)
    {
        await Before("list");
        return await inner.ListAsync(user, cancellationToken);
    }

    public async ValueTask RemoveAsync(string user, string id, CancellationToken cancellationToken)
    {
        await Before("unindex");
        await inner.RemoveAsync(user, id, cancellationToken);
    }
}
