#!/usr/bin/env python3
"""What the SQLite store's sweep costs without an index on the expiry (issue 17): the table walked in key order, one
stretch per transaction, the expired rows of each stretch deleted, with the store's statements and settings.

    bench/sqlite/sweep-walk.py [SESSIONS] [BATCH]   defaults: 1000000 500

None of the sessions has expired, so this is the walk's own cost, paid once per SweepInterval. Python's SQLite, not the
e_sqlite3 the store ships, and Python's per-row overhead on top: an upper bound for the store's writer.
"""
import os
import secrets
import sqlite3
import sys
import tempfile
import time

sessions = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
batch = int(sys.argv[2]) if len(sys.argv) > 2 else 500
path = os.path.join(tempfile.mkdtemp(), "sessions.db")
db = sqlite3.connect(path, isolation_level=None)
db.executescript("PRAGMA page_size = 1024; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768;"
                 "CREATE TABLE sessions (id TEXT PRIMARY KEY, payload BLOB NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID")
expires = int(time.time() * 1000) + 86_400_000
db.execute("BEGIN")
db.executemany("INSERT INTO sessions VALUES (?, ?, ?)",
               ((secrets.token_urlsafe(24), b'{"visits":1,"__created":1764700000000}', expires) for _ in range(sessions)))
db.execute("COMMIT")
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
now = int(time.time() * 1000)
started, after, stretches, longest = time.perf_counter(), "", 0, 0.0
while after is not None:
    began = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    rows = db.execute("SELECT id, expires FROM sessions WHERE id > ? ORDER BY id LIMIT ?", (after, batch)).fetchall()
    for row_id, row_expires in rows:
        if row_expires <= now:
            db.execute("DELETE FROM sessions WHERE id = ? AND expires <= ?", (row_id, now))
    db.execute("COMMIT")
    longest = max(longest, time.perf_counter() - began)
    after = rows[-1][0] if len(rows) == batch else None
    stretches += 1
print(f"{sessions:,} sessions, stretches of {batch}: {stretches:,} stretches, {time.perf_counter() - started:.2f} s in all, "
      f"the longest {longest * 1000:.2f} ms (SQLite {sqlite3.sqlite_version})")
