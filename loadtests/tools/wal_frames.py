#!/usr/bin/env python3
"""Which b-trees a SQLite node's commits write: WAL frames per table and index.

Usage: wal_frames.py COPY_OF_calls.db COPY_OF_calls.db-wal

Copy both files from a running node's data directory (a torn copy only blurs the counts). The WAL is read as the
SQLite file format describes it (https://www.sqlite.org/fileformat2.html#walformat): a 32-byte header, then frames of
a 24-byte header (page number, database size after a commit frame or 0, the two salts, two checksums) and one page.
The checkpointer restarts the WAL from its start, so the file holds several generations, told apart by their salts;
the largest one is counted. Page numbers are mapped to b-tree names with the `dbstat` virtual table of Python's
sqlite3 module (pages that a later commit moved or freed count under their current owner, or '?').
"""
import collections
import sqlite3
import struct
import sys


def main(db_path: str, wal_path: str) -> None:
    wal = open(wal_path, "rb").read()
    page_size = struct.unpack(">I", wal[8:12])[0]
    frame_size = 24 + page_size
    generations = collections.defaultdict(list)
    commits = collections.Counter()
    offset = 32
    while offset + frame_size <= len(wal):
        page, size_after_commit, salt1, salt2 = struct.unpack(">IIII", wal[offset:offset + 16])
        generations[(salt1, salt2)].append(page)
        if size_after_commit:
            commits[(salt1, salt2)] += 1
        offset += frame_size
    if not generations:
        sys.exit("no frames in the WAL")
    salts = max(generations, key=lambda k: len(generations[k]))
    frames, n_commits = generations[salts], max(commits[salts], 1)
    owner = {page: name for name, page in
             sqlite3.connect(f"file:{db_path}?mode=ro", uri=True).execute("SELECT name, pageno FROM dbstat")}
    print(f"page size {page_size}; generation with salts {salts}: {len(frames)} frames, {n_commits} commits, "
          f"{len(frames) / n_commits:.2f} frames per commit")
    for name, count in collections.Counter(owner.get(p, "?") for p in frames).most_common():
        print(f"{name:32} {count:8d} {100 * count / len(frames):5.1f} %  {count / n_commits:6.2f} per commit")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
