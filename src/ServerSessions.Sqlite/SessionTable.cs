namespace ServerSessions.Sqlite;

/// <summary>
/// The <c>sessions</c> table and every statement the store runs on it: one row per session, the expiry in Unix
/// milliseconds. The README repeats the schema; a test checks that they agree.
/// </summary>
internal static class SessionTable
{
    // SQLite keeps these texts (minus IF NOT EXISTS) in sqlite_schema, which is what the README shows.
    public const string Create =
        "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, payload BLOB NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;" +
        "CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires);";

    public const string Select = "SELECT payload, expires FROM sessions WHERE id = $id AND expires > $now";

    public const string Upsert =
        "INSERT INTO sessions (id, payload, expires) VALUES ($id, $payload, $expires) " +
        "ON CONFLICT (id) DO UPDATE SET payload = excluded.payload, expires = excluded.expires";

    // "expires > $now" is what keeps a touch from bringing back a session that has expired but not been swept;
    // "payload = $payload" (the one the toucher read or wrote) keeps it from undoing the expiry of a save made since.
    public const string Touch = "UPDATE sessions SET expires = $expires WHERE id = $id AND expires > $now AND payload = $payload";

    public const string Delete = "DELETE FROM sessions WHERE id = $id";

    public const string Sweep = "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires <= $now LIMIT $limit)";

    public const string Checkpoint = "PRAGMA wal_checkpoint(TRUNCATE)";
}
