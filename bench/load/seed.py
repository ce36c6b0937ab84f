#!/usr/bin/env python3
"""Stored sessions for bench/load/run.sh's scale mode, written straight into a store (HTTP would take hours for 1M).

    seed.py sqlite DB COUNT      inserts COUNT sessions into ServerSessions.Sqlite's table in DB (the app stopped)
    seed.py redis COUNT          prints COUNT SET commands in Redis' protocol for `redis-cli --pipe`
    seed.py cookie SECRET ID     prints the connect.sid cookie of ID signed with SECRET (name=value), as the app signs it

The seeders print one of the IDs they wrote on stderr, so a caller can check that the app reads it as a session.

Each session is what VisitTracker stores after one visit: the payload {"visits":1,"__created":<ms>} (the SQLite store
keeps it as it is, see src/ServerSessions.Sqlite/README.md; the Redis store in connect-redis's layout, with
express-session's cookie object first, under sess:<id>), expiring in a day, under a random 32-character base64url ID
like the middleware's. They are inserted in random order, as visitors would create them.
"""
import base64
import hashlib
import hmac
import secrets
import sqlite3
import sys
import time
import urllib.parse

DAY_MS = 24 * 60 * 60 * 1000


def ids(count):
    for n in range(count):
        i = secrets.token_urlsafe(24)
        if n == 0:
            print(i, file=sys.stderr)
        yield i


def cookie(secret, session_id):
    """express-session's cookie: s:<id>.<HMAC-SHA256 in base64 without padding>, percent-encoded."""
    mac = hmac.new(secret.encode(), session_id.encode(), hashlib.sha256).digest()
    value = "s:" + session_id + "." + base64.b64encode(mac).decode().rstrip("=")
    return "connect.sid=" + urllib.parse.quote(value, safe="")


def seed_sqlite(path, count):
    now = int(time.time() * 1000)
    payload = b'{"visits":1,"__created":%d}' % now
    expires = now + DAY_MS
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -262144")  # 256 MiB: random inserts into a large tree stay in memory
    with db:
        db.executemany(
            "INSERT INTO sessions (id, payload, expires) VALUES (?, ?, ?)",
            ((i, payload, expires) for i in ids(count)),
        )
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def resp(*parts):
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        out.append(b"$%d\r\n%s\r\n" % (len(part), part))
    return b"".join(out)


def seed_redis(count):
    now = int(time.time() * 1000)
    value = (
        b'{"cookie":{"originalMaxAge":null,"expires":null,"secure":false,"httpOnly":true,"path":"/",'
        b'"sameSite":"lax"},"visits":1,"__created":%d}' % now
    )
    expires = b"%d" % (now + DAY_MS)
    out = sys.stdout.buffer
    batch = []
    for i in ids(count):
        batch.append(resp(b"SET", b"sess:" + i.encode(), value, b"PXAT", expires))
        if len(batch) == 10000:
            out.write(b"".join(batch))
            batch.clear()
    out.write(b"".join(batch))
    out.flush()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "sqlite":
        seed_sqlite(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] == "redis":
        seed_redis(int(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "cookie":
        print(cookie(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
