"""A class on one server: N sessions train at once (prints figures; localhost only).

Starts the real app, measures an idle baseline (fresh page loads of the Train page, server RSS),
then for each N in --sessions: opens N student sessions that each press Play on the toy preset,
and while they train measures
  - page load: a fresh browser context loading /Train every couple of seconds (p50 / p95),
  - tick latency: the time between successive updates of each session's step counter (p50/p95),
  - training throughput per session (steps/s, from the counters),
  - server memory: RSS of the server process and its children (worker processes included),
  - that no session's active run changed by itself (the sidebar's run name is sampled).
  - server CPU: CPU seconds per second of the server and its training workers.
In a class each student's browser renders on their own laptop, not on the server, so by default
(--students light) the students are lightweight clients (`light_client.py`): each speaks
Streamlit's WebSocket protocol as a browser tab does (its own cookie, the Play click, every
`run_every` fragment rerun at its interval) without rendering anything, and the measuring
browser sees what the SERVER does for them. --students browser opens headless Chromium
sessions instead, at a low CPU priority (--students-nice, default 19; 0: every browser competes
with the server for the same cores, pessimistic). For light students the tick and throughput
figures come from the progress text the server sends them, the rerun latency from each
fragment rerun's request to its finish; "active changed" is checked in browser mode only.
Compare the figures with the idle baseline of the same run.

Goals (issues 9, 22): with 5 sessions training on 2 cores, a fresh page load ≤ 2× idle; with
10, ≤ 3× idle; no session's active run changes by itself.

Usage: PYTHONPATH=. .venv/bin/python benchmarks/load_app.py [--sessions 5,10] [--duration 30]
       [--students light|browser]
"""

from __future__ import annotations

import argparse
import statistics
import time

from _app import (
    app,
    browsers,
    click,
    cpu_s,
    keep_niced,
    load_time,
    new_page,
    percentile,
    rss_mb,
    shown_step,
    wait_button,
)

MAX_SESSIONS = 20
MAX_DURATION_S = 300
_ACTIVE_JS = """() => {
  const s = document.querySelector(
      '[data-testid="stSidebar"] [data-testid="stSelectbox"] input[role="combobox"]');
  return s ? s.value.trim() : null;
}"""


def active_name(page) -> str | None:
    return page.evaluate(_ACTIVE_JS)


def fresh_loads(b, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        p = new_page(b)
        out.append(load_time(p, url))
        p.context.close()
    return out


def under_load(b, students, url: str, pid: int, n: int, duration: float) -> dict:
    """`n` sessions in the `students` browser train; fresh loads are measured in `b`."""
    sessions = []
    for _ in range(n):
        p = new_page(students, 1280, 800)
        load_time(p, url + "/Train")
        click(p, "Play")
        keep_niced(students)
        sessions.append({"page": p, "last": None, "t_last": None, "ticks": [], "first": None,
                         "names": set()})
    for s in sessions:  # its own run is active once Pause is shown (before: the demo)
        wait_button(s["page"], "Pause", timeout=60_000)
        s["names"].add(active_name(s["page"]))
    t0 = time.perf_counter()
    cpu0 = cpu_s(pid)
    loads, rss = [], []
    next_load = t0 + 2
    while time.perf_counter() - t0 < duration:
        now = time.perf_counter()
        for s in sessions:
            cur = shown_step(s["page"])
            if cur is None:
                continue
            if s["first"] is None:
                s["first"] = (now, cur[0])
            if s["last"] is not None and cur[0] != s["last"]:
                s["ticks"].append(now - s["t_last"])
            if cur[0] != s["last"]:
                s["last"], s["t_last"] = cur[0], now
        keep_niced(students)
        if now >= next_load:
            p = new_page(b)
            loads.append(load_time(p, url + "/Train"))
            p.context.close()
            rss.append(rss_mb(pid))
            for s in sessions:
                s["names"].add(active_name(s["page"]))
            next_load = time.perf_counter() + 2
        sessions[0]["page"].wait_for_timeout(100)
    cpu = (cpu_s(pid) - cpu0) / (time.perf_counter() - t0)
    ticks = [x for s in sessions for x in s["ticks"]]
    rates = []
    for s in sessions:
        if s["first"] and s["t_last"] and s["t_last"] > s["first"][0]:
            rates.append((s["last"] - s["first"][1]) / (s["t_last"] - s["first"][0]))
    changed = sum(len({x for x in s["names"] if x}) > 1 for s in sessions)
    for s in sessions:
        try:
            click(s["page"], "Pause")
        except Exception:  # noqa: BLE001 - a finished run shows no Pause
            pass
        s["page"].context.close()
    return {"loads": loads, "ticks": ticks, "rates": rates, "rss": rss, "changed": changed,
            "cpu": cpu}


def under_light_load(b, url: str, pid: int, n: int, duration: float) -> dict:
    """`n` lightweight students train (light_client); fresh loads are measured in `b`."""
    from light_client import Class

    with Class(url, n) as students:
        students.open("Train")
        students.click("Play")
        students.start_live()
        deadline = time.perf_counter() + 120
        while (not all(s.step and s.step[0] > 0 for s in students.students)
               and time.perf_counter() < deadline):  # every run trains (workers started)
            time.sleep(0.5)
        t0 = time.perf_counter()
        cpu0 = cpu_s(pid)
        marks = {id(s): (len(s.step_seen), len(s.latencies)) for s in students.students}
        loads, rss = [], []
        while time.perf_counter() - t0 < duration:
            time.sleep(2)
            p = new_page(b)
            loads.append(load_time(p, url + "/Train"))
            p.context.close()
            rss.append(rss_mb(pid))
        cpu = (cpu_s(pid) - cpu0) / (time.perf_counter() - t0)
        students.stop_live()
        ticks, rates, lat = [], [], []
        for s in students.students:
            seen = s.step_seen[marks[id(s)][0]:]
            lat += s.latencies[marks[id(s)][1]:]
            changes = [(t, v) for i, (t, v) in enumerate(seen) if i == 0 or v != seen[i - 1][1]]
            ticks += [b2[0] - a2[0] for a2, b2 in zip(changes, changes[1:])]
            if len(changes) > 1 and changes[-1][0] > changes[0][0]:
                rates.append((changes[-1][1] - changes[0][1]) / (changes[-1][0] - changes[0][0]))
        errors = [e for s in students.students for e in s.errors]
        students.click("Pause")
    return {"loads": loads, "ticks": ticks, "rates": rates, "rss": rss, "changed": None,
            "cpu": cpu, "latency": lat, "errors": errors}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", default="2,5,10")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of load per N")
    ap.add_argument("--students", choices=("light", "browser"), default="light",
                    help="lightweight protocol clients (default) or headless browsers")
    ap.add_argument("--students-nice", type=int, default=19,
                    help="CPU niceness of the training sessions' browser (0: same as the server)")
    a = ap.parse_args()
    counts = [min(MAX_SESSIONS, max(1, int(x))) for x in a.sessions.split(",")]
    duration = min(MAX_DURATION_S, a.duration)
    nice = min(19, max(0, a.students_nice))
    light = a.students == "light"
    with app() as (url, pid), browsers(0, *(() if light else (nice,))) as (b, *rest):
        students = rest[0] if rest else None
        load_time(new_page(b), url + "/Train")  # warm-up
        idle = fresh_loads(b, url + "/Train", 5)
        idle_rss = rss_mb(pid)
        p50 = statistics.median(idle)
        print(f"idle: fresh /Train load p50 {p50:.2f} s, p95 {percentile(idle, 95):.2f} s; "
              f"server RSS {idle_rss:.0f} MB")
        print(f"{'N':>3s} {'load p50':>9s} {'p95':>6s} {'×idle':>6s} {'tick p50':>9s} "
              f"{'p95':>6s} {'steps/s/session':>16s} {'RSS MB':>7s} {'server CPU':>10s} "
              f"{'active changed':>15s}")
        for n in counts:
            r = (under_light_load(b, url, pid, n, duration) if light
                 else under_load(b, students, url, pid, n, duration))
            lp50 = statistics.median(r["loads"]) if r["loads"] else float("nan")
            print(f"{n:3d} {lp50:8.2f}s {percentile(r['loads'], 95):5.2f}s "
                  f"{lp50 / p50:6.2f} {percentile(r['ticks'], 50):8.2f}s "
                  f"{percentile(r['ticks'], 95):5.2f}s "
                  f"{statistics.mean(r['rates']) if r['rates'] else float('nan'):16.0f} "
                  f"{max(r['rss']) if r['rss'] else rss_mb(pid):7.0f} "
                  f"{r['cpu']:9.2f}c "
                  + (f"{r['changed']:>10d}/{n}" if r["changed"] is not None else
                     f"  rerun p50 {percentile(r['latency'], 50):.2f}s p95 "
                     f"{percentile(r['latency'], 95):.2f}s"
                     + (f"; {len(r['errors'])} client errors" if r["errors"] else "")))
        time.sleep(3)
        print(f"after all sessions closed: server RSS {rss_mb(pid):.0f} MB "
              f"(idle before: {idle_rss:.0f} MB)")


if __name__ == "__main__":
    main()
