#!/usr/bin/env python3
"""bench/fill_sessions.py DB USER KNOWN FILLER COOKIES: writes KNOWN
two-factor sessions of USER whose cookies ("__Host-govsec=TOKEN", one a
line) go to the file COOKIES, and FILLER sessions nobody holds a token for,
straight into the store's gate_sessions table (a session's key is the
SHA-256 of its token, as src/gate/server.c stores it). For bench/gate only:
govsec has no command that makes sessions. Run before govsecd starts (it
loads sessions at start).
"""
import hashlib
import secrets
import sqlite3
import sys
import time


def main():
    db, user, known, filler, cookies = sys.argv[1:6]
    now = int(time.time())
    con = sqlite3.connect(db)
    with con, open(cookies, "w") as out:
        rows = []
        for i in range(int(known) + int(filler)):
            token = secrets.token_hex(32)
            if i < int(known):
                out.write(f"__Host-govsec={token}\n")
            rows.append((hashlib.sha256(token.encode()).hexdigest(), user,
                         now, now))
        con.executemany("INSERT INTO gate_sessions(token_hash, user, level, "
                        "created, seen) VALUES (?, ?, 2, ?, ?)", rows)
    con.close()


if __name__ == "__main__":
    main()
