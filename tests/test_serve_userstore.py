"""Per-user saved runs: isolation, no silent overwrite, names not paths, quotas, leftovers."""

from __future__ import annotations

import os
import threading
import time

import pytest

from hnviz.serve import userstore
from hnviz.serve.userstore import NameTaken, StoreError, UserStore

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


def test_quota_on_count_and_bytes(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(userstore, "MAX_SAVED_RUNS", 2)
    s = UserStore(tmp_path, ALICE)
    s.save("one", b"x")
    s.save("two", b"x")
    with pytest.raises(StoreError, match="most this server keeps"):
        s.save("three", b"x")
    s.save("two", b"y", overwrite=True)  # replacing one is fine at the limit
    monkeypatch.setattr(userstore, "MAX_SAVED_RUNS", 100)
    monkeypatch.setattr(userstore, "MAX_USER_MB", 1 / 1024)  # 1 KB
    with pytest.raises(StoreError, match="KB|MB"):
        s.save("big", b"z" * 2048)


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


def test_only_the_newest_autosaves_are_kept(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(userstore, "MAX_AUTOSAVES", 3)
    s = UserStore(tmp_path, ALICE)
    for i in range(5):
        s.autosave(f"run{i}", b"x")
        os.utime(s.autosave_dir / f"run{i}.pt", (1000 + i, 1000 + i))
    s.autosave("run4", b"y")  # the newest again
    assert sorted(f.name for f in s.list_autosaves()) == ["run2.pt", "run3.pt", "run4.pt"]
