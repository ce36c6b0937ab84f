namespace ServerSessions.Sqlite;

/// <summary>
/// The <c>sessions</c> table and every statement the store runs on it: one row per session, the expiry in Unix
/// milliseconds. The README repeats the schema; a test checks that they agree.
/// </summary>
internal static class SessionTable
{
    // SQLite keeps these texts (minus IF NOT EXISTS) in sqlite_schema, which is what the README shows. No index on
    // expires: every save moves a session's expiry, so an index on it made each save dirty a second page (the old entry
    // deleted at a random place, the new one added at the end), and at a million sessions those pages no longer stayed in
    // the cache. The sweep walks the table in key order instead (Walk). A database from before loses the index.
    public const string Create =
        "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, payload BLOB NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;" +
        "DROP INDEX IF EXISTS sessions_expires;";

    public const string Select = "SELECT payload, expires FROM sessions WHERE id = $id AND expires > $now";

    public const string Upsert =
        "INSERT INTO sessions (id, payload, expires) VALUES ($id, $payload, $expires) " +
        "ON CONFLICT (id) DO UPDATE SET payload = excluded.payload, expires = excluded.expires";

    // "expires > $now" is what keeps a touch from bringing back a session that has expired but not been swept;
    // "payload = $payload" (the one the toucher read or wrote) keeps it from undoing the expiry of a save made since.
    public const string Touch = "UPDATE sessions SET expires = $expires WHERE id = $id AND expires > $now AND payload = $payload";

    public const string Delete = "DELETE FROM sessions WHERE id = $id";

    // The sweep's next stretch of the table, in key order after $after; the expired rows among them are deleted one by one.
    public const string Walk = "SELECT id, expires FROM sessions WHERE id > $after ORDER BY id LIMIT $limit";

    public const string DeleteExpired = "DELETE FROM sessions WHERE id = $id AND expires <= $now";

    public const string Checkpoint = "PRAGMA wal_checkpoint(TRUNCATE)";
}
