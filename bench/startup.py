"""The appliance's footprint: wheel size, installed size, start-up time to the first healthy
/health, and the idle memory of the server (target: under 80 MB without the voice model).

    taskset -c 0 .venv/bin/python -m bench.startup [--runs 5] [--wheel dist/restaurant_edge-*.whl]

Installs the wheel the way a box does (deploy/pi-image/edge-update --first-install, a clean venv)
into a temporary directory, then starts that release's `edge serve --demo` on loopback.

Memory is read twice per start: idle after start-up, and idle again after a little service
(--requests: logins, menu, orders, KDS reads and bumps), which is what the box looks like at 3 pm:
the worker has then imported what requests need and copied-on-write what it touched.
Figures cover every process of the service (gunicorn arbiter + worker), as systemd counts them.
"""

from __future__ import annotations

import argparse
import array
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EDGE_UPDATE = REPO / "deploy/pi-image/edge-update"


def du_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def install(wheel: Path, prefix: Path) -> Path:
    env = {**os.environ, "EDGE_PREFIX": str(prefix), "EDGE_EXTRAS": "", "EDGE_PIP_CACHE": "on"}
    subprocess.run([EDGE_UPDATE, "--first-install", wheel], env=env, check=True, capture_output=True)
    return prefix / "current"


def service_pids(pid: int) -> list[int]:
    return [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def cpu_seconds(pid: int) -> float:
    """CPU time the service's processes have used (user + system): start-up cost, whatever the load."""
    total = 0
    for process in service_pids(pid):
        fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def resident_frames(pid: int) -> set[int]:
    """The physical pages a process has resident (from /proc/PID/pagemap; frame numbers need root)."""
    frames: set[int] = set()
    page = os.sysconf("SC_PAGE_SIZE")
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        for line in maps:
            start, end = (int(x, 16) for x in line.split()[0].split("-"))
            try:
                pagemap.seek(start // page * 8)
                entries = array.array("Q", pagemap.read((end - start) // page * 8))
            except (OSError, OverflowError):  # [vsyscall] and the like
                continue
            frames.update(entry & ((1 << 55) - 1) for entry in entries if entry >> 63)
    return frames


def memory_kib(pid: int) -> dict[str, int]:
    """RSS and PSS of the server's processes (gunicorn arbiter + its worker), and the pages they
    hold counted once however many of them map a page (what the service itself costs the box,
    whoever else on this machine shares a library; the page cache it reads comes on top)."""
    pids = service_pids(pid)
    totals = {"rss": 0, "pss": 0, "worker_rss": 0}
    frames: set[int] = set()
    for index, process in enumerate(pids):
        rollup = dict(line.split(":", 1) for line in Path(f"/proc/{process}/smaps_rollup").read_text().splitlines()[1:])
        rss, pss = (int(rollup[key].split()[0]) for key in ("Rss", "Pss"))
        totals["rss"] += rss
        totals["pss"] += pss
        if index > 0:
            totals["worker_rss"] += rss
        frames |= resident_frames(process)
    if frames - {0}:  # without root every frame number reads 0
        totals["unique"] = len(frames) * os.sysconf("SC_PAGE_SIZE") // 1024
    return totals


def new_memory_cgroup(name: str) -> Path:
    """A memory cgroup of its own for the server, as systemd gives edge.service one (v1 here; v2
    where the memory controller is delegated). Needs root."""
    for root in (Path("/sys/fs/cgroup/memory"), Path("/sys/fs/cgroup")):
        if (root / "memory.stat").exists() or (root / "cgroup.controllers").exists():
            group = root / name
            group.mkdir()
            if (group / "memory.stat").exists():
                return group
            group.rmdir()
    raise SystemExit("--cgroup: no memory cgroup controller to use here")


def cgroup_kib(group: Path) -> dict[str, int]:
    """What `systemctl status` shows as Memory (usage: the processes' pages and the page cache they
    brought in), split into anonymous memory and page cache."""
    stat = dict(line.split() for line in (group / "memory.stat").read_text().splitlines())
    if (group / "memory.current").exists():  # cgroup v2
        usage, anon, cache = int((group / "memory.current").read_text()), int(stat["anon"]), int(stat["file"])
    else:
        usage, anon, cache = int((group / "memory.usage_in_bytes").read_text()), int(stat["rss"]), int(stat["cache"])
    return {"cgroup": usage // 1024, "cgroup_anon": anon // 1024, "cgroup_cache": cache // 1024}


def evict_from_page_cache(*roots: Path) -> None:
    """As after a boot: the service reads its venv and the interpreter's library from the card, and
    that page cache is charged to it (pages other processes have mapped stay where they are)."""
    os.sync()
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                try:
                    fd = os.open(path, os.O_RDONLY)
                except OSError:
                    continue
                try:
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                finally:
                    os.close(fd)


ORDER_LINES = [("cheeseburger", ["medium"]), ("fries", ["small"]), ("caesar-salad", ["ranch"]),
               ("cola", ["no-ice"]), ("wings", ["hot"]), ("beer", [])]
STATIONS = ("grill", "fry", "cold", "bar")


def call(base: str, method: str, path: str, body=None, token: str | None = None):
    request = urllib.request.Request(base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response) if response.status != 204 else None


def serve_a_little(base: str, requests: int) -> None:
    """A small lunch: log in, read the menu, take orders, read the KDS screens, bump tickets."""
    token = call(base, "POST", "/api/v1/auth/login", {"pin": "1111"})["token"]
    call(base, "GET", "/api/v1/menu", token=token)
    call(base, "GET", "/api/v1/stations", token=token)
    done = 3
    while done < requests:
        item, modifiers = ORDER_LINES[done % len(ORDER_LINES)]
        order = call(base, "POST", "/api/v1/orders", token=token, body={
            "client_order_id": str(uuid.uuid4()), "type": "dine_in", "table": str(done % 20),
            "items": [{"menu_item_id": item, "quantity": 1, "modifier_ids": modifiers}]})
        done += 1
        for station in STATIONS:
            call(base, "GET", f"/api/v1/kds/{station}", token=token)
        call(base, "GET", "/api/v1/expo", token=token)
        call(base, "GET", f"/api/v1/orders/{order['id']}", token=token)
        done += len(STATIONS) + 2
        for ticket in order.get("tickets", [])[:1]:
            call(base, "POST", f"/api/v1/tickets/{ticket['id']}/bump", token=token)
            done += 1


def start_and_measure(release: Path, data_dir: Path, idle_s: float, requests: int, config: Path,
                      cgroup: bool = False) -> dict:
    port = free_port()
    env = {**os.environ, "EDGE_DATA_DIR": str(data_dir), "EDGE_CONFIG": str(config)}
    group = None
    if cgroup:
        evict_from_page_cache(release.resolve(), Path(sys.base_prefix) / "lib")
        group = new_memory_cgroup(f"edge-startup-bench-{os.getpid()}-{data_dir.name}")

    def reading() -> dict[str, int]:
        return {**memory_kib(server.pid), **(cgroup_kib(group) if group else {})}

    started = time.perf_counter()
    server = subprocess.Popen([release / "bin/edge", "serve", "--demo", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              preexec_fn=(lambda: (group / "cgroup.procs").write_text("0")) if group else None)
    try:
        deadline = started + 120
        while time.perf_counter() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    if json.load(response)["status"] != "down":
                        break
            except OSError:
                time.sleep(0.02)
        else:
            raise RuntimeError("the server did not become healthy in 120 s")
        healthy_s = time.perf_counter() - started
        cpu_s = cpu_seconds(server.pid)
        time.sleep(idle_s)
        figures = {"healthy_s": healthy_s, "cpu_s": cpu_s, **reading()}
        if requests:
            serve_a_little(f"http://127.0.0.1:{port}", requests)
            time.sleep(idle_s)
            figures.update({f"served_{key}": value for key, value in reading().items()})
        return figures
    finally:
        server.terminate()
        server.wait(timeout=30)
        if group:
            group.rmdir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=5.0, help="seconds idle before reading memory")
    parser.add_argument("--requests", type=int, default=200, help="requests served before the second reading")
    parser.add_argument("--printer", action="store_true",
                        help="configure a kitchen printer (file backend) so tickets are rendered and printed")
    parser.add_argument("--cgroup", action="store_true",
                        help="(root) start each server in a memory cgroup of its own after evicting its files from "
                             "the page cache, and report what systemd would show as the service's Memory")
    parser.add_argument("--wheel", type=Path, default=None)
    args = parser.parse_args()
    wheel = args.wheel or max((REPO / "dist").glob("restaurant_edge-*.whl"), key=lambda p: p.stat().st_mtime)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        config = base / "edge.toml"
        config.write_text(f'[[printers]]\nname = "kitchen"\nbackend = "file"\npath = "{base / "kitchen.bin"}"\n'
                          'stations = ["*"]\n' if args.printer else "")
        release = install(wheel, base / "opt-edge")
        site = next(release.resolve().glob("lib/python3*/site-packages"))
        ours = sum(du_bytes(site / package) for package in ("edge", "devices", "voice", "sync"))
        print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
              f"cpu affinity {sorted(os.sched_getaffinity(0))}")
        print(f"configuration: demo{', a kitchen printer (file backend)' if args.printer else ''}, no voice model")
        print(f"wheel: {wheel.name} {wheel.stat().st_size / 1024:.0f} KiB")
        print(f"installed: venv {du_bytes(release.resolve()) / 2**20:.1f} MiB "
              f"(restaurant-edge's own files {ours / 2**20:.2f} MiB)")
        cold, warm = [], []
        for run in range(args.runs):
            data_dir = base / f"data-{run}"
            cold.append(start_and_measure(release, data_dir, args.idle, args.requests, config, args.cgroup))
            warm.append(start_and_measure(release, data_dir, args.idle, args.requests, config, args.cgroup))
        for label, runs in (("first start (migrations + demo seed)", cold), ("restart (existing data)", warm)):
            times = sorted(r["healthy_s"] for r in runs)
            cpu = sorted(r["cpu_s"] for r in runs)
            print(f"{label}: to healthy /health median {statistics.median(times):.2f} s "
                  f"(min {times[0]:.2f}, max {times[-1]:.2f}, n={len(times)}); "
                  f"CPU used by then median {statistics.median(cpu):.2f} s")
        if args.printer:
            print(f"kitchen printer: {(base / 'kitchen.bin').stat().st_size / 1024:.0f} KiB of ESC/POS printed")
        idle = warm + cold
        phases = [("idle", "")] + ([(f"idle after {args.requests} requests", "served_")] if args.requests else [])
        for phase, prefix in phases:
            for key, label in (("rss", "RSS arbiter+worker"), ("pss", "PSS arbiter+worker"),
                               ("unique", "arbiter+worker, each resident page once"), ("worker_rss", "RSS worker"),
                               ("cgroup", "cgroup (systemctl's Memory)"), ("cgroup_anon", "cgroup: anonymous"),
                               ("cgroup_cache", "cgroup: page cache")):
                if any(prefix + key not in r for r in idle):
                    continue
                values = sorted(r[prefix + key] / 1024 for r in idle)
                print(f"{phase} {label}: median {statistics.median(values):.1f} MiB (max {values[-1]:.1f})")


if __name__ == "__main__":
    sys.exit(main())
