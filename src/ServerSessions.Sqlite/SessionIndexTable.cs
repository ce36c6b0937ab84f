namespace ServerSessions.Sqlite;

/// <summary>
/// The <c>session_index</c> table (<see cref="IServerSessionIndexStore"/>) and every statement the store runs on it: one
/// row per user and session, instants in Unix milliseconds. Created beside <c>sessions</c> when the database opens, so
/// a database from before it gains it. The README repeats the schema; a test checks that they agree.
/// </summary>
internal static class SessionIndexTable
{
    // Keyed by user first: a user's entries are one range of the primary key, so listing them reads one range.
    public const string Create =
        "CREATE TABLE IF NOT EXISTS session_index (user TEXT NOT NULL, id TEXT NOT NULL, last_seen INTEGER NOT NULL, expires INTEGER NOT NULL, user_agent TEXT, client_address TEXT, PRIMARY KEY (user, id)) WITHOUT ROWID;" +
        "CREATE INDEX IF NOT EXISTS session_index_expires ON session_index (expires);";

    public const string Select = "SELECT id, last_seen, expires, user_agent, client_address FROM session_index WHERE user = $user AND expires > $now";

    public const string Upsert =
        "INSERT INTO session_index (user, id, last_seen, expires, user_agent, client_address) VALUES ($user, $id, $last_seen, $expires, $user_agent, $client_address) " +
        "ON CONFLICT (user, id) DO UPDATE SET last_seen = excluded.last_seen, expires = excluded.expires, user_agent = excluded.user_agent, client_address = excluded.client_address";

    public const string Delete = "DELETE FROM session_index WHERE user = $user AND id = $id";

    public const string Sweep = "DELETE FROM session_index WHERE (user, id) IN (SELECT user, id FROM session_index WHERE expires <= $now LIMIT $limit)";

    /// <summary>
    /// What the <c>user</c> column holds for <paramref name="user"/>: the text, or, for a string UTF-8 cannot hold (a lone
    /// surrogate, which SQLite's conversion would make U+FFFD, the same as another user's name), its UTF-16 code units as
    /// a blob, which never equals any text.
    /// </summary>
    public static object UserKey(string user)
    {
        for (var i = 0; i < user.Length; i++)
        {
            if (char.IsHighSurrogate(user[i]) && i + 1 < user.Length && char.IsLowSurrogate(user[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(user[i]))
            {
                return System.Runtime.InteropServices.MemoryMarshal.AsBytes(user.AsSpan()).ToArray();
            }
        }

        return user;
    }
}
