"""Serve the app as several processes behind nginx: `make serve REPLICAS=N PORT=P ADDRESS=A`.

Starts N app processes, each on its own free port on 127.0.0.1 only (so their internal endpoints,
such as /_stcore/metrics, are reachable from this machine alone), then nginx on ADDRESS:PORT with
the configuration rendered from deploy/nginx.conf.template into a working directory of its own
(config, pid file, logs, temp files: nginx needs no root and touches nothing else).

All processes read the same database file (DASHBOARD_DB, or data/dashboard.duckdb). Ctrl-C stops
everything. The process ids of the app processes are written to WORKDIR/replicas.pid, which
benchmarks/load.py reads for server CPU and memory.
"""

from __future__ import annotations

import argparse
import gzip
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"

# Server options that cut CPU per page run in a serving process (measured with benchmarks/load.py, README
# "Serving a crowd"): a source-file watcher is set up for every new session (a scan of every loaded module),
# and a full garbage collection after every page run walks the whole heap of pandas, plotly and pyarrow
# objects; together they took about half of a page run's CPU. Code changes reach a served app by a restart.
SERVING_OPTIONS = ("--server.fileWatcherType", "none", "--runner.postScriptGC", "false")


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def streamlit_assets() -> Path:
    """The installed Streamlit's front-end files (scripts, styles, fonts), which it serves under /static/."""
    import streamlit

    return Path(streamlit.__file__).resolve().parent / "static" / "static"


def prepare_assets(prefix: Path) -> Path:
    """Copy Streamlit's front-end files to PREFIX/assets/static and write a gzip copy beside each script,
    style and image, so nginx serves them compressed with no work per request (Streamlit itself sends them
    uncompressed). Returns PREFIX/assets, nginx's root for /static/."""
    root = prefix / "assets"
    target = root / "static"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(streamlit_assets(), target)
    for path in target.rglob("*"):
        if path.suffix in {".js", ".css", ".svg", ".json", ".map"}:
            path.with_name(path.name + ".gz").write_bytes(gzip.compress(path.read_bytes(), 6, mtime=0))
    return root


def render(prefix: Path, listen: str, replica_ports: list[int]) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in replica_ports)
    return (TEMPLATE.read_text().replace("{{PREFIX}}", str(prefix)).replace("{{LISTEN}}", listen)
            .replace("{{UPSTREAM_SERVERS}}", servers).replace("{{ASSETS}}", str(prefix / "assets"))
            .replace("{{WORKER_USER}}", worker_user()))


def worker_user() -> str:
    """nginx started by root hands its workers to `nobody`, who cannot read the working directory (the
    front-end files are served from there): its workers keep the starting user, as they do for anyone else."""
    return f"user {pwd.getpwuid(0).pw_name};" if os.geteuid() == 0 else "# workers run as the user who started nginx"


def wait_ok(url: str, timeout: float, proc: subprocess.Popen | None = None, log: Path | None = None) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text()[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{' '.join(map(str, proc.args))} exited with {proc.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:g} s" + (f"; see {log}" if log else ""))


class Cluster:
    """N app processes and nginx in front of them; `with Cluster(...) as c:` stops them all on exit."""

    def __init__(self, replicas: int, port: int = 0, address: str = "127.0.0.1", workdir: Path | None = None,
                 env: dict[str, str] | None = None):
        if replicas < 1:
            raise ValueError("at least one replica")
        self.n, self.address = replicas, address
        self.port = port or free_port(address)
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="hrm-serve-"))
        self.env = {**os.environ, **(env or {})}
        self.replica_ports: list[int] = []
        self.replicas: list[subprocess.Popen] = []
        self.nginx: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.address in {"0.0.0.0", "::", ""} else self.address
        return f"http://{host}:{self.port}"

    def start_replica(self, i: int) -> subprocess.Popen:
        log = self.workdir / f"replica-{i}.log"
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.replica_ports[i]),
               "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false", *SERVING_OPTIONS]
        return subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                                start_new_session=True)

    def start(self, timeout: float = 90.0) -> Cluster:
        if shutil.which("nginx") is None:
            raise RuntimeError("nginx is not installed (Debian: apt-get install nginx)")
        for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        self.replica_ports = [free_port() for _ in range(self.n)]
        try:
            self.replicas = [self.start_replica(i) for i in range(self.n)]
            for i, (proc, p) in enumerate(zip(self.replicas, self.replica_ports, strict=True)):
                wait_ok(f"http://127.0.0.1:{p}/_stcore/health", timeout, proc, self.workdir / f"replica-{i}.log")
            (self.workdir / "replicas.pid").write_text("".join(f"{p.pid}\n" for p in self.replicas))
            listen = f"[{self.address}]:{self.port}" if ":" in self.address else f"{self.address}:{self.port}"
            prepare_assets(self.workdir)
            conf = self.workdir / "nginx.conf"
            conf.write_text(render(self.workdir, listen, self.replica_ports))
            self.nginx = subprocess.Popen(["nginx", "-p", str(self.workdir), "-e", str(self.workdir / "error.log"),
                                           "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                          start_new_session=True)
            wait_ok(f"{self.url}/_stcore/health", 15, self.nginx, self.workdir / "error.log")
        except BaseException:
            self.stop()
            raise
        return self

    def kill_replica(self, i: int) -> None:
        """Stop one app process abruptly, as a crash would."""
        self.replicas[i].kill()
        self.replicas[i].wait()

    def stop(self) -> None:
        procs = ([self.nginx] if self.nginx else []) + self.replicas
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--address", default="127.0.0.1", help="127.0.0.1 for this machine only; 0.0.0.0 for a network")
    ap.add_argument("--workdir", type=Path, help="where nginx's config, pid, logs and temp files go (default: a new temp dir)")
    args = ap.parse_args(argv)
    cluster = Cluster(args.replicas, args.port, args.address, args.workdir)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        cluster.start()
        print(f"Serving {args.replicas} app processes behind nginx at {cluster.url} "
              f"(config and logs in {cluster.workdir}); Ctrl-C stops.", flush=True)
        while all(p.poll() is None for p in [cluster.nginx]):
            time.sleep(1)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
