"""Lightweight students for load benchmarks: each speaks Streamlit's own WebSocket protocol
(binary BackMsg / ForwardMsg protobufs, the messages a browser sends and receives) without a
browser, so a class of students costs the measuring machine almost nothing but what the SERVER
does for them.

A `Student` connects as a browser tab does (its own cookie: its own user), runs a page, presses
a button by its label (the widget's trigger, as a click sends it) and then behaves like an idle
tab with that page open: every `st.fragment(run_every=...)` the server announced
(ForwardMsg.auto_rerun) is rerun at its interval, once the previous run has finished, exactly
the requests a browser's timer sends. It records what it sees: the Train page's progress text
("Overall: step N / M") and the time from each fragment rerun request to its finish.

Widget values are not echoed back (a fragment rerun with no widget states keeps every widget's
value on the server: `SessionState.on_script_will_rerun` compacts and sets only what is sent).

    with Class(url, n) as students:       # n students in one asyncio thread
        students.open("Train"); students.click("Play")
        ... students.steps(), students.rerun_latencies()
"""

from __future__ import annotations

import asyncio
import re
import secrets
import threading
import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates

STEP_RE = re.compile(r"Overall: step ([\d,]+) / ([\d,]+)")


@dataclass
class Student:
    url: str  # http://host:port
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    page_hash: str = ""
    buttons: dict[str, str] = field(default_factory=dict)  # label -> widget id
    fragments: dict[str, float] = field(default_factory=dict)  # fragment id -> interval s
    running: bool = False
    finished: asyncio.Event | None = None
    step: tuple[int, int] | None = None
    step_seen: list[tuple[float, int]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # fragment rerun: request -> finished
    errors: list[str] = field(default_factory=list)
    _ws: object = None
    _sent: float = 0.0

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        ws_url = self.url.replace("http", "ws", 1).rstrip("/") + "/_stcore/stream"
        self._ws = await connect(ws_url, subprotocols=["streamlit"], max_size=None,
                                 additional_headers={"Cookie": f"hnviz_user={self.token}"},
                                 open_timeout=120, ping_interval=None)
        self.finished = asyncio.Event()
        asyncio.get_running_loop().create_task(self._receive())

    async def _send(self, state: ClientState) -> None:
        msg = BackMsg()
        msg.rerun_script.CopyFrom(state)
        self.running = True
        self.finished.clear()
        self._sent = time.perf_counter()
        await self._ws.send(msg.SerializeToString())

    async def run_page(self, page_name: str) -> None:
        await self._send(ClientState(page_name=page_name, widget_states=WidgetStates()))
        await self.finished.wait()

    async def click(self, label: str) -> None:
        wid = next((i for lab, i in self.buttons.items() if lab == label), None)
        if wid is None:
            raise RuntimeError(f"no button {label!r} on the page (have {list(self.buttons)})")
        states = WidgetStates(widgets=[WidgetState(id=wid, trigger_value=True)])
        await self._send(ClientState(page_script_hash=self.page_hash, widget_states=states))
        await self.finished.wait()

    async def live(self, stop: asyncio.Event) -> None:
        """Rerun the announced fragments at their intervals until `stop` (an idle open tab)."""
        due: dict[str, float] = {}
        while not stop.is_set():
            now = time.perf_counter()
            for fid, every in list(self.fragments.items()):
                due.setdefault(fid, now + every)
                if now >= due[fid] and not self.running:
                    due[fid] = now + every
                    t0 = time.perf_counter()
                    await self._send(ClientState(page_script_hash=self.page_hash,
                                                 fragment_id=fid, is_auto_rerun=True,
                                                 widget_states=WidgetStates()))
                    try:
                        await asyncio.wait_for(self.finished.wait(), 120)
                        self.latencies.append(time.perf_counter() - t0)
                    except TimeoutError:
                        self.errors.append("a fragment rerun did not finish in 120 s")
            await asyncio.sleep(0.02)

    async def _receive(self) -> None:
        try:
            async for raw in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                self._handle(msg)
        except Exception as e:  # noqa: BLE001 - closed: record why and stop
            self.errors.append(f"{type(e).__name__}: {e}")
        finally:
            if self.finished is not None:
                self.running = False
                self.finished.set()

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.page_hash = msg.new_session.page_script_hash
            if not msg.metadata.run.fragment_ids:  # a full run: the page is drawn anew
                self.buttons.clear()
                self.fragments.clear()
        elif kind == "navigation":  # the page this run draws (MPA: pages/)
            self.page_hash = msg.navigation.page_script_hash or self.page_hash
        elif kind == "auto_rerun":
            self.fragments[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
        elif kind == "stop_auto_rerun":
            for fid in msg.stop_auto_rerun.fragment_ids:
                self.fragments.pop(fid, None)
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            which = el.WhichOneof("type")
            if which == "button":
                self.buttons[el.button.label] = el.button.id
            elif which == "progress":
                m = STEP_RE.search(el.progress.text)
                if m:
                    self.step = (int(m.group(1).replace(",", "")),
                                 int(m.group(2).replace(",", "")))
                    self.step_seen.append((time.perf_counter(), self.step[0]))
        elif kind == "script_finished":
            self.running = False
            self.finished.set()

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()


class Class:
    """n Students in one asyncio event loop on a background thread (see the module doc)."""

    def __init__(self, url: str, n: int):
        self.url, self.n = url, n
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True,
                                       name="light-students")
        self.students: list[Student] = []
        self._stop: asyncio.Event | None = None
        self._live: list[asyncio.Future] = []

    def __enter__(self) -> Class:
        self.thread.start()
        self.students = [Student(self.url) for _ in range(self.n)]

        async def connect_all():
            await asyncio.gather(*(s.connect() for s in self.students))

        self._call(connect_all())
        return self

    def __exit__(self, *exc) -> None:
        self.stop_live()

        async def close_all():
            await asyncio.gather(*(s.close() for s in self.students), return_exceptions=True)

        self._call(close_all())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def _call(self, coro, timeout: float = 600):
        async def wrapped():
            return await coro

        return asyncio.run_coroutine_threadsafe(wrapped(), self.loop).result(timeout)

    def open(self, page_name: str) -> None:
        """Every student opens the page (one after the other, as a class arrives)."""
        for s in self.students:
            self._call(s.run_page(page_name))

    def click(self, label: str) -> None:
        for s in self.students:
            self._call(s.click(label))

    def start_live(self) -> None:
        async def make_stop():
            return asyncio.Event()

        self._stop = self._call(make_stop())
        self._live = [asyncio.run_coroutine_threadsafe(s.live(self._stop), self.loop)
                      for s in self.students]

    def stop_live(self) -> None:
        if self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
            for f in self._live:
                try:
                    f.result(30)
                except Exception:  # noqa: BLE001 - a student that failed recorded why
                    pass
            self._stop = None
