using Microsoft.Extensions.Logging;

namespace ServerSessions;

/// <summary>
/// What happens to sessions in their life, told once to both listeners: the log (with hashed IDs) and the
/// <c>server_sessions.sessions.*</c> counters (tagged with the store only).
/// </summary>
internal sealed class SessionEvents(ILogger logger, SessionMetrics metrics, KeyValuePair<string, object?> store)
{
    /// <summary>A request found its session in the store.</summary>
    public void Loaded(string id)
    {
        metrics.Loaded.Add(1, store);
        logger.SessionLoaded(new SessionLogId(id));
    }

    /// <summary>A session was written to the store; <paramref name="created"/> when the store held none under its ID before.</summary>
    public void Stored(string id, int bytes, bool created)
    {
        if (created)
        {
            metrics.Created.Add(1, store);
        }

        metrics.Saved.Add(1, store);
        logger.SessionStored(new SessionLogId(id), bytes);
    }

    /// <summary>A stored session's expiry was extended without a write.</summary>
    public void Touched() => metrics.Touched.Add(1, store);

    /// <summary>A stored session was removed from the store.</summary>
    public void Destroyed() => metrics.Destroyed.Add(1, store);

    /// <summary>A session got a new ID.</summary>
    public void Regenerated(string oldId, string newId)
    {
        metrics.Regenerated.Add(1, store);
        logger.SessionRegenerated(new SessionLogId(oldId), new SessionLogId(newId));
    }
}
