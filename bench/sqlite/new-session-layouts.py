#!/usr/bin/env python3
"""What a new session costs SQLite in each table layout (issue 17): the store's WITHOUT ROWID table keyed by the random
session ID, against a rowid table (rows appended at the end) with a unique index on the ID.

    bench/sqlite/new-session-layouts.py [EXISTING] [NEW] [BATCH]   defaults: 1000000 100000 4

Each layout gets a fresh file with the store's settings (1 KiB pages, WAL, synchronous=NORMAL, no automatic checkpoint,
a 32 MiB cache), EXISTING sessions inserted in random order, then NEW more in transactions of BATCH (a group commit
under load), timed; pages written to the log per new session are counted from the log's growth. The same SQLite
library Python links, not the e_sqlite3 the store ships: compare the layouts with each other, not with the load runs.
"""
import os
import secrets
import sqlite3
import sys
import tempfile
import time

LAYOUTS = {
    "without rowid (the store's)": [
        "CREATE TABLE sessions (id TEXT PRIMARY KEY, payload BLOB NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID"],
    "rowid + unique index on id": [
        "CREATE TABLE sessions (id TEXT NOT NULL, payload BLOB NOT NULL, expires INTEGER NOT NULL)",
        "CREATE UNIQUE INDEX sessions_id ON sessions (id)"],
}
PAYLOAD = b'{"visits":1,"__created":1764700000000}'


def session_id():
    return secrets.token_urlsafe(24)  # 32 characters, as the middleware's


def run(name, statements, existing, new, batch):
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "sessions.db")
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript("PRAGMA page_size = 1024; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                     "PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -32768;")
    for statement in statements:
        db.execute(statement)
    insert = "INSERT INTO sessions (id, payload, expires) VALUES (?, ?, ?)"
    expires = int(time.time() * 1000) + 86_400_000
    db.execute("BEGIN")
    db.executemany(insert, ((session_id(), PAYLOAD, expires) for _ in range(existing)))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = path + "-wal"
    started = time.perf_counter()
    for _ in range(new // batch):
        db.execute("BEGIN IMMEDIATE")
        db.executemany(insert, ((session_id(), PAYLOAD, expires) for _ in range(batch)))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    frames = (os.path.getsize(wal) - 32) / (1024 + 24)
    db.close()
    print(f"| {name} | {existing:,} | {new:,} | {batch} | {elapsed / new * 1e6:.1f} | {frames / new:.2f} |")


def main():
    existing = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    new = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    print(f"SQLite {sqlite3.sqlite_version}")
    print()
    print("| layout | sessions before | new sessions | per transaction | µs per new session | log pages per new session |")
    print("|---|--:|--:|--:|--:|--:|")
    for name, statements in LAYOUTS.items():
        run(name, statements, existing, new, batch)


if __name__ == "__main__":
    main()
