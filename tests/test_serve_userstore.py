"""Per-user saved runs: isolation, no silent overwrite, names not paths, quotas, leftovers."""

from __future__ import annotations

import os
import threading
import time

import pytest

from hnviz.serve import userstore
from hnviz.serve.limits import ServerLimits
from hnviz.serve.userstore import DiskUsage, NameTaken, StoreError, UserStore

ALICE, BOB = "a" * 24, "b" * 24


def test_users_have_separate_folders(tmp_path) -> None:
    a, b = UserStore(tmp_path, ALICE), UserStore(tmp_path, BOB)
    name = a.save("my run", b"alice-data")
    assert [f.name for f in a.list_saved()] == [name]
    assert b.list_saved() == []
    with pytest.raises(StoreError):
        b.read(name)  # the same file name means Bob's own (absent) file
    b.delete(name)  # deleting "his" file of that name leaves Alice's alone
    assert a.read(name) == b"alice-data"
    assert ALICE not in str(a.root) and a.root != b.root


@pytest.mark.parametrize("bad", ["../x.pt", "a/b.pt", "/etc/passwd", "..pt", ".hidden.pt",
                                 "x.txt", "", "x" * 200 + ".pt"])
def test_names_not_paths(tmp_path, bad) -> None:
    s = UserStore(tmp_path, ALICE)
    with pytest.raises(StoreError):
        s.read(bad)
    with pytest.raises(StoreError):
        s.delete(bad)


def test_same_name_never_overwrites_silently(tmp_path) -> None:
    s = UserStore(tmp_path, ALICE)
    name = s.save("run", b"first")
    with pytest.raises(NameTaken, match="exists already"):
        s.save("run", b"second")
    assert s.read(name) == b"first"
    assert s.save("run", b"second", overwrite=True) == name
    assert s.read(name) == b"second"


def test_concurrent_same_name_saves_keep_exactly_one(tmp_path) -> None:
    s = UserStore(tmp_path, ALICE)
    results: dict[int, str] = {}
    barrier = threading.Barrier(8)

    def save(i: int) -> None:
        barrier.wait()
        try:
            s.save("race", f"payload-{i}".encode() * 1000)
            results[i] = "saved"
        except NameTaken:
            results[i] = "taken"

    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [i for i, r in results.items() if r == "saved"]
    assert len(winners) == 1 and len(results) == 8
    assert s.read("race.pt") == f"payload-{winners[0]}".encode() * 1000
    assert not list(s.saved.glob(".*.tmp"))  # no temp files left behind


def test_quota_on_count_and_bytes(tmp_path) -> None:
    s = UserStore(tmp_path, ALICE, ServerLimits(saved_runs=2))
    s.save("one", b"x")
    s.save("two", b"x")
    with pytest.raises(StoreError, match="most this server keeps"):
        s.save("three", b"x")
    s.save("two", b"y", overwrite=True)  # replacing one is fine at the limit
    s = UserStore(tmp_path, ALICE, ServerLimits(user_mb=1 / 1024))  # 1 KB
    with pytest.raises(StoreError, match=r"pass 0\.000976562 MB.*HNVIZ_LIMIT_USER_MB"):
        s.save("big", b"z" * 2048)


def test_the_budget_counts_everything_the_user_holds(tmp_path) -> None:
    """Saved runs, run files (autosaves, uploads), sweeps and leftover temp files all count."""
    s = UserStore(tmp_path, ALICE, ServerLimits(user_mb=10 / 1024))  # 10 KB
    s.save("saved", b"s" * 2048)
    s.autosave("run1", b"a" * 2048)
    (s.sweeps / "mine").mkdir(parents=True)
    (s.sweeps / "mine" / "run-0.pt").write_bytes(b"w" * 2048)
    (s.saved / ".x.pt.abc.tmp").write_bytes(b"t" * 2048)
    assert s.bytes_used() == 4 * 2048
    with pytest.raises(StoreError, match="HNVIZ_LIMIT_USER_MB"):
        s.autosave("run2", b"b" * 4096)
    s.autosave("run1", b"a" * 4096)  # replacing its own file: only the difference counts
    assert s.read_autosave("run1.pt") == b"a" * 4096


def test_the_server_disk_cap_covers_all_users(tmp_path) -> None:
    disk = DiskUsage(tmp_path, 8 / 1024)  # 8 KB for everybody
    lim = ServerLimits()
    a, b = UserStore(tmp_path, ALICE, lim, disk), UserStore(tmp_path, BOB, lim, disk)
    a.save("one", b"x" * 3000)
    b.save("one", b"x" * 3000)
    with pytest.raises(StoreError, match=r"disk space for runs is full \(HNVIZ_LIMIT_DISK_MB"):
        a.autosave("r", b"x" * 3000)
    assert not a.list_autosaves()


def test_stale_temp_files_are_removed(tmp_path) -> None:
    s = UserStore(tmp_path, ALICE)
    s.saved.mkdir(parents=True, exist_ok=True)
    old, new = s.saved / ".run.pt.abc.tmp", s.saved / ".run.pt.def.tmp"
    old.write_bytes(b"partial")
    new.write_bytes(b"being written")
    past = time.time() - 2 * userstore.STALE_TMP_S
    os.utime(old, (past, past))
    UserStore(tmp_path, ALICE)  # opening the store cleans leftovers of killed writes
    assert not old.exists() and new.exists()


def test_autosave_overwrites_and_lists(tmp_path) -> None:
    s = UserStore(tmp_path, ALICE)
    s.autosave("abc123", b"v1")
    s.autosave("abc123", b"v2")
    assert [f.name for f in s.list_autosaves()] == ["abc123.pt"]
    assert s.read_autosave("abc123.pt") == b"v2"
    s.drop_autosave("abc123")
    assert s.list_autosaves() == []


@pytest.mark.parametrize("token", ["", "short", "a" * 24 + "/../x", None])
def test_bad_tokens_refused(tmp_path, token) -> None:
    with pytest.raises(StoreError):
        UserStore(tmp_path, token)
