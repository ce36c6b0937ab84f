namespace ServerSessions;

/// <summary>
/// A stored session that cannot be read is reported, not thrown: logged with its hashed ID, the store's name and a
/// reason that says where and how its bytes are broken (never what they hold: a session may carry the app's secrets).
/// The caller goes on with a new session under a new ID, so the corrupt record is never overwritten: it stays in the
/// store, for inspection, until it expires.
/// </summary>
internal static class CorruptSessions
{
    /// <summary>The stored session <paramref name="id"/>, parsed; <see langword="null"/>, logged, when it is corrupt.</summary>
    public static SessionPayload? ParseOrReport(SessionRuntime runtime, string id, SessionRecord record)
    {
        try
        {
            return SessionPayload.Parse(record.Payload.Span);
        }
        catch (SessionDataException ex)
        {
            runtime.Logger.StoredSessionCorrupt(new SessionLogId(id), runtime.StoreName, ex.Message);
            return null;
        }
    }
}
