"""deploy/: the files a county's IT staff install, checked by running them.

* redis.conf: the shipped copy agrees, the embedded server is built from it, and a real
  server (the bundled Valkey, and Debian's redis-server when present) runs on it as the
  system unit would, password included;
* the environment template and deploy/README.md document every setting;
* the systemd units pass ``systemd-analyze verify`` and the web unit's command line serves;
* the nginx site passes ``nginx -t``, and a real nginx on it serves static files with
  their cache headers, proxies to kuaizhao, limits bodies and POST rates, speaks HTTP/2,
  and sends a request on to the other instance when one is down;
* the kiosk launcher starts Chromium (headless here) on a running ``kuaizhao serve``;
* a rolling restart of two ``kuaizhao serve`` on one server fails no request.

Every process a test starts is stopped at the end, whatever happens.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import unavailable
from redis import Redis
from support.processes import Proc, Serve, cli_env, free_port

from kiosk.app import create_app
from matcher.settings import FIELDS, Settings
from matcher.store.embedded import (
    SHARED_CONFIG,
    SYSTEM_ONLY,
    EmbeddedServer,
    directive,
    shared_config,
)

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PASSWORD = "0123456789abcdef0123456789abcdef"
TOKEN = "deploy-test-token"


@pytest.fixture
def scratch() -> Iterator[Callable[[str], Path]]:
    """Short directories under /tmp (unix socket names ≤ ~100 bytes), removed at the end."""
    made: list[Path] = []

    def make(prefix: str = "kzd") -> Path:
        path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
        made.append(path)
        return path

    yield make
    for path in made:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[Any]]]:
    """Plain child processes, killed at the end if still running."""
    started: list[subprocess.Popen[Any]] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.kill()
            p.wait()


@pytest.fixture
def procs() -> Iterator[list[Proc]]:
    started: list[Proc] = []
    yield started
    for p in started:
        p.cleanup()


# -- redis.conf ---------------------------------------------------------------------------


def test_shipped_redis_conf_is_the_documented_one() -> None:
    assert SHARED_CONFIG.read_bytes() == (DEPLOY / "redis.conf").read_bytes(), (
        "deploy/redis.conf changed: copy it over matcher/data/redis.conf"
    )


def test_embedded_config_is_built_from_redis_conf(tmp_path: Path) -> None:
    shared = shared_config(DEPLOY / "redis.conf")
    settings = {directive(line): line for line in shared}
    # What the issue asks of the file.
    assert settings["appendonly"] == "appendonly yes"
    assert settings["appendfsync"] in {"appendfsync always", "appendfsync everysec"}
    assert settings["maxmemory-policy"] == "maxmemory-policy noeviction"
    assert settings["protected-mode"] == "protected-mode yes"
    assert settings["bind"].split()[1:] == ["127.0.0.1", "-::1"]
    assert settings["unixsocket"].startswith("unixsocket /run/")
    assert settings["include"] == "include /run/kuaizhao-valkey/auth.conf"
    assert "requirepass" not in settings  # no secret in the repository

    lines = EmbeddedServer(tmp_path).config_lines()
    for line in shared:
        if directive(line) not in SYSTEM_ONLY:
            assert line in lines, line
    own = {directive(line): line for line in lines if directive(line) in SYSTEM_ONLY}
    assert own == {
        "port": "port 0",
        "unixsocket": f"unixsocket {tmp_path / 'redis.sock'}",
        "unixsocketperm": "unixsocketperm 700",
        "dir": f"dir {tmp_path}",
        "logfile": f"logfile {tmp_path / 'server.log'}",
        "pidfile": f"pidfile {tmp_path / 'server.pid'}",
        "daemonize": "daemonize no",
    }
    assert len({directive(line) for line in lines if directive(line) != "save"}) == len(
        [line for line in lines if directive(line) != "save"]
    ), "a directive is set twice"
    # An explicit fsync replaces the file's.
    lines = EmbeddedServer(tmp_path, fsync="everysec").config_lines()
    assert [x for x in lines if directive(x) == "appendfsync"] == ["appendfsync everysec"]


def _server_binaries() -> list[str]:
    from matcher.store.embedded import find_server_binary

    found = []
    with contextlib.suppress(Exception):
        found.append(str(find_server_binary()))
    redis = shutil.which("redis-server")
    if redis and redis not in found:
        found.append(redis)
    return found


def _auth_file(out: Path, url: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "REDIS_URL": url}
    return subprocess.run(
        ["sh", str(DEPLOY / "bin" / "kuaizhao-valkey-auth"), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
    )


def test_valkey_auth_takes_the_password_from_redis_url(tmp_path: Path) -> None:
    out = tmp_path / "auth.conf"
    done = _auth_file(out, f"unix://:{PASSWORD}@/run/kuaizhao-valkey/valkey.sock?db=0")
    assert done.returncode == 0, done.stderr
    assert out.read_text() == f"requirepass {PASSWORD}\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    for url, why in (
        ("unix://:CHANGE-ME@/run/kuaizhao-valkey/valkey.sock", "CHANGE-ME"),
        ("unix:///run/kuaizhao-valkey/valkey.sock", "no password"),
        ("unix://:short@/run/x.sock", "shorter than 16"),
        ("unix://:abc%40def0123456789xyz@/run/x.sock", "letters, digits"),
        ("", "not set"),
    ):
        done = _auth_file(tmp_path / "bad.conf", url)
        assert done.returncode == 1 and why in done.stderr, (url, done.stderr)
        assert not (tmp_path / "bad.conf").exists()
    # The template's own line parses the same way redis-py reads it.
    template = (DEPLOY / "kuaizhao.env.example").read_text()
    (line,) = [x for x in template.splitlines() if x.startswith("REDIS_URL=")]
    from redis.connection import parse_url

    parsed = parse_url(line.removeprefix("REDIS_URL=").replace("CHANGE-ME", PASSWORD))
    assert parsed["password"] == PASSWORD
    assert parsed["path"] == "/run/kuaizhao-valkey/valkey.sock"


@pytest.mark.slow
@pytest.mark.parametrize("binary", _server_binaries() or ["missing"])
def test_system_server_runs_on_redis_conf(
    binary: str, scratch: Callable[[str], Path], children: list[subprocess.Popen[Any]]
) -> None:
    """deploy/redis.conf as kuaizhao-valkey.service runs it, with only the machine's
    paths moved into a scratch directory and no TCP port (6379 may be taken)."""
    if binary == "missing":
        unavailable("no valkey-server or redis-server")
    work = scratch("kzv")
    sock = work / "valkey.sock"
    assert _auth_file(work / "auth.conf", f"unix://:{PASSWORD}@{sock}").returncode == 0
    conf = (DEPLOY / "redis.conf").read_text()
    conf = conf.replace("/run/kuaizhao-valkey/auth.conf", str(work / "auth.conf"))
    conf = conf.replace("/run/kuaizhao-valkey/valkey.sock", str(sock))
    conf = conf.replace("dir /var/lib/kuaizhao/valkey", f"dir {work}")
    conf = conf.replace("\nport 6379\n", "\nport 0\n")
    conf = conf.replace('logfile ""', f"logfile {work / 'server.log'}")
    (work / "redis.conf").write_text(conf)
    server = subprocess.Popen(
        [binary, str(work / "redis.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    children.append(server)
    deadline = time.monotonic() + 15
    while not sock.exists():
        if server.poll() is not None or time.monotonic() > deadline:
            log = (work / "server.log").read_text() if (work / "server.log").exists() else ""
            pytest.fail(f"{binary} did not start on deploy/redis.conf:\n{log[-2000:]}")
        time.sleep(0.02)
    # Without the password nothing is answered (a raw socket: redis-py would retry).
    with socket.socket(socket.AF_UNIX) as anonymous:
        anonymous.settimeout(5)
        anonymous.connect(str(sock))
        anonymous.sendall(b"SET kz:x 1\r\n")
        assert anonymous.recv(100).startswith(b"-NOAUTH")
    r = Redis(unix_socket_path=str(sock), password=PASSWORD, decode_responses=True)
    try:
        config = r.config_get("*")
        assert config["appendonly"] == "yes"
        assert config["appendfsync"] == "always"
        assert config["maxmemory-policy"] == "noeviction"
        assert config["protected-mode"] == "yes"
        assert config["unixsocketperm"] == "770"
        assert config["requirepass"] == PASSWORD
        r.set("kz:x", "1")
        version = r.info("server").get("valkey_version") or r.info("server")["redis_version"]
        if tuple(int(x) for x in str(version).split(".")[:2]) >= (7, 2):
            assert r.execute_command("WAITAOF", 1, 0, 0) == [1, 0]  # type: ignore[no-untyped-call]
    finally:
        r.close()
    server.send_signal(signal.SIGTERM)  # as systemd stops it: AOF fsynced, exit 0
    assert server.wait(15) == 0
    assert (work / "appendonlydir").is_dir()


# -- settings, the environment template and the docs ------------------------------------------


def _default_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def test_env_template_and_docs_cover_every_setting() -> None:
    template = (DEPLOY / "kuaizhao.env.example").read_text()
    readme = (DEPLOY / "README.md").read_text()
    assigned: dict[str, tuple[bool, str]] = {}
    for line in template.splitlines():
        m = re.fullmatch(r"(#?)([A-Z][A-Z0-9_]*)=(.*)", line)
        if m:
            assert m[2] not in assigned, f"{m[2]} twice in the template"
            assigned[m[2]] = (m[1] == "", m[3])
    missing = [name for name in FIELDS if name not in assigned]
    assert not missing, f"settings missing from deploy/kuaizhao.env.example: {missing}"
    unknown = [name for name in assigned if name not in FIELDS]
    assert not unknown, f"not settings of matcher/settings.py: {unknown}"
    for name, doc in FIELDS.items():
        assert f"# {name}: {doc}\n" in template, f"{name}: its doc line differs from FIELDS"
        assert re.search(rf"^\| `{name}` \|", readme, re.MULTILINE), (
            f"{name} is not in deploy/README.md's table of settings"
        )
    defaults = {f.metadata["env"]: f.default for f in fields(Settings)}
    for name, (active, value) in assigned.items():
        if not active:  # a commented line shows the default
            assert defaults[name] is not MISSING
            assert value == _default_text(defaults[name]), f"{name}: default is {defaults[name]}"
    # Secrets are placeholders the units refuse to start with.
    assert assigned["KUAIZHAO_SECRET"] == (True, "CHANGE-ME")
    assert ":CHANGE-ME@" in assigned["REDIS_URL"][1]
    assert assigned["KUAIZHAO_RUN_MATCHER"] == (True, "false")
    # And the template is what sh reads (kuaizhao-admin sources it).
    shown = subprocess.run(
        ["sh", "-c", 'set -a; . "$0"; env', str(DEPLOY / "kuaizhao.env.example")],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    ).stdout
    assert f"REDIS_URL={assigned['REDIS_URL'][1]}\n" in shown


def test_readme_links_the_deployment_guide() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "## Deploying" in readme and "deploy/README.md" in readme
    guide = (DEPLOY / "README.md").read_text()
    for heading in (
        "Install on Debian",
        "First admin",
        "Enrolling kiosks",
        "Daily operation",
        "When Redis is down",
        "When the network drops",
        "Backups",
        "Upgrades",
        "Growing to a cluster",
    ):
        assert re.search(rf"^##+ .*{heading}", guide, re.MULTILINE), heading


def test_web_processes_follow_kuaizhao_run_matcher(
    monkeypatch: pytest.MonkeyPatch, valkey_url: str, tmp_path: Path
) -> None:
    """uvicorn --factory calls create_app() with no arguments: the environment decides."""
    import asyncio

    monkeypatch.setenv("REDIS_URL", valkey_url)
    monkeypatch.setenv("KUAIZHAO_DATA", str(tmp_path))
    for value, expected in (("false", False), ("true", True)):
        monkeypatch.setenv("KUAIZHAO_RUN_MATCHER", value)
        assert Settings.from_env().run_matcher is expected
        app = create_app()

        async def run(app: Any = app) -> bool:
            async with app.router.lifespan_context(app):
                return app.state.kz.matcher is not None

        assert asyncio.run(run()) is expected


# -- systemd ----------------------------------------------------------------------------------

UNITS = DEPLOY / "systemd"
HARDENING = (
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    "ProtectHome=yes",
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "RestrictNamespaces=yes",
    "CapabilityBoundingSet=",
)


def _unit_exec_start(text: str) -> str:
    m = re.search(r"^ExecStart=((?:.*\\\n)*.*)$", text, re.MULTILINE)
    assert m
    return re.sub(r"\\\n\s*", "", m[1])


def test_units_run_as_the_service_user_with_hardening() -> None:
    for name in (
        "kuaizhao-valkey.service",
        "kuaizhao-web@.service",
        "kuaizhao-matcher@.service",
        "kuaizhao-backup.service",
    ):
        text = (UNITS / name).read_text()
        assert "User=kuaizhao" in text and "EnvironmentFile=/etc/kuaizhao/kuaizhao.env" in text
        for option in HARDENING:
            assert re.search(rf"^{re.escape(option)}$", text, re.MULTILINE), (name, option)
    web = _unit_exec_start((UNITS / "kuaizhao-web@.service").read_text())
    for flag in ("--factory kiosk.app:create_app", "--port %i", "--workers 1", "--proxy-headers"):
        assert flag in web, flag
    assert "--forwarded-allow-ips 127.0.0.1" in web
    timer = (UNITS / "kuaizhao-backup.timer").read_text()
    assert "OnCalendar=" in timer and "Persistent=true" in timer
    backup = _unit_exec_start((UNITS / "kuaizhao-backup.service").read_text())
    assert "kuaizhao backup --to /var/backups/kuaizhao" in backup


@pytest.mark.slow
def test_units_pass_systemd_analyze_verify(scratch: Callable[[str], Path]) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        unavailable("systemd-analyze is not installed (apt install systemd)")
        return
    work = scratch("kzu")
    prefix = work / "opt"
    for exe in (
        "bin/kuaizhao-valkey-auth",
        "bin/valkey-server",
        "venv/bin/uvicorn",
        "venv/bin/kuaizhao",
    ):
        path = prefix / exe
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    units = work / "units"
    units.mkdir()
    for unit in UNITS.iterdir():
        (units / unit.name).write_text(unit.read_text().replace("/opt/kuaizhao", str(prefix)))
    (units / "kuaizhao-web@8001.service").symlink_to("kuaizhao-web@.service")
    (units / "kuaizhao-matcher@1.service").symlink_to("kuaizhao-matcher@.service")
    names = [
        "kuaizhao.target",
        "kuaizhao-valkey.service",
        "kuaizhao-web@8001.service",
        "kuaizhao-matcher@1.service",
        "kuaizhao-backup.service",
        "kuaizhao-backup.timer",
    ]
    done = subprocess.run(
        [analyze, "verify", "--man=no", *[f"./{n}" for n in names]],
        cwd=units,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stdout + done.stderr


@pytest.mark.slow
def test_web_unit_command_serves(
    valkey_url: str, scratch: Callable[[str], Path], procs: list[Proc]
) -> None:
    """The web unit's ExecStart, as it is, with this venv's uvicorn and a free port."""
    command = _unit_exec_start((UNITS / "kuaizhao-web@.service").read_text())
    port = free_port()
    argv = command.replace("%i", str(port)).split()
    assert argv[0] == "/opt/kuaizhao/venv/bin/uvicorn"
    argv[0] = str(Path(sys.executable).parent / "uvicorn")
    data = scratch("kzw")
    env = cli_env(data, REDIS_URL=valkey_url, KUAIZHAO_RUN_MATCHER="false")
    web = subprocess.Popen(
        argv, env=env, cwd=data, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        body = _wait_health(f"http://127.0.0.1:{port}", web)
        assert body["status"] == "ok" and body["matcher"] in {"none", "stale", "ok"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            page = http.get("/m/kaili/")
            assert page.status_code == 200 and "快招" in page.text
            assert "server" not in page.headers  # --no-server-header
            # Proxy headers from nginx on this machine are believed: absolute URLs the
            # app makes (a redirect here, a ticket's QR code) say https.
            moved = http.get("/m/kaili", headers={"X-Forwarded-Proto": "https"})
            assert moved.status_code in (301, 307, 308)
            assert moved.headers["location"].startswith("https://"), moved.headers
        web.send_signal(signal.SIGTERM)
        web.wait(15)
    finally:
        if web.poll() is None:
            web.kill()
            web.wait()
        assert web.stderr is not None
        web.stderr.close()


def _wait_health(base: str, process: subprocess.Popen[Any] | None = None) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    with httpx.Client(base_url=base, timeout=5) as http:
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                err = process.stderr.read() if process.stderr else ""
                pytest.fail(f"exited with {process.returncode}:\n{err}")
            try:
                r = http.get("/-/health")
                if r.status_code == 200:
                    body: dict[str, Any] = r.json()
                    return body
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    pytest.fail(f"{base}/-/health not 200 within 30 s")


# -- a running kuaizhao serve for nginx and Chromium ---------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[Serve]:
    data = Path(tempfile.mkdtemp(prefix="kzn", dir="/tmp"))
    serve = Serve(cli_env(data, KUAIZHAO_API_TOKEN=TOKEN))
    try:
        serve.wait_healthy()
        yield serve
    finally:
        serve.cleanup()
        shutil.rmtree(data, ignore_errors=True)


# -- nginx ------------------------------------------------------------------------------------


def _nginx_site(work: Path, *, https_port: int, http_port: int, upstreams: list[int]) -> Path:
    """deploy/nginx/kuaizhao.conf with a throwaway certificate, scratch paths and the
    given ports; the rest as shipped. Returns the nginx.conf that includes it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        unavailable("openssl is not installed")
    subprocess.run(
        [
            str(openssl),
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=kuaizhao.example.cn",
            "-keyout",
            str(work / "privkey.pem"),
            "-out",
            str(work / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    import kiosk

    static = Path(kiosk.__file__).parent / "static"
    site = (DEPLOY / "nginx" / "kuaizhao.conf").read_text()
    site = site.replace("/etc/ssl/kuaizhao/", f"{work}/")
    site = site.replace("/var/log/nginx/", f"{work}/")
    site = site.replace("/var/www/html", str(work))
    site = site.replace("/opt/kuaizhao/static/", f"{static}/")
    site = site.replace("listen 443 ", f"listen 127.0.0.1:{https_port} ")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    # Only IPv4 loopback in the test: no [::] listeners.
    site = "\n".join(x for x in site.splitlines() if "listen [::]" not in x) + "\n"
    site = site.replace("127.0.0.1:8001", f"127.0.0.1:{upstreams[0]}")
    site = site.replace("127.0.0.1:8002", f"127.0.0.1:{upstreams[1]}")
    (work / "kuaizhao.conf").write_text(site)
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    main = f"""
daemon off;
master_process off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 256; }}
http {{
    {mime}
    access_log off;
    include {work}/kuaizhao.conf;
}}
"""
    (work / "nginx.conf").write_text(main)
    return work / "nginx.conf"


def _nginx() -> str:
    nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if nginx is None:
        unavailable("nginx is not installed (apt install nginx)")
        raise AssertionError  # unreachable
    return nginx


def test_nginx_accepts_the_site(scratch: Callable[[str], Path]) -> None:
    nginx = _nginx()
    work = scratch("kzn")
    conf = _nginx_site(work, https_port=443, http_port=80, upstreams=[8001, 8002])
    done = subprocess.run(
        [nginx, "-t", "-p", str(work), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


@pytest.mark.slow
def test_nginx_in_front_of_kuaizhao(
    served: Serve, scratch: Callable[[str], Path], children: list[subprocess.Popen[Any]]
) -> None:
    nginx = _nginx()
    work = scratch("kzn")
    https_port, http_port = free_port(), free_port()
    down = free_port()  # an instance that is restarting: nothing listens
    conf = _nginx_site(
        work, https_port=https_port, http_port=http_port, upstreams=[down, served.port]
    )
    proc = subprocess.Popen(
        [nginx, "-p", str(work), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    children.append(proc)
    base = f"https://127.0.0.1:{https_port}"
    with httpx.Client(base_url=base, verify=False, timeout=10) as http:
        deadline = time.monotonic() + 10
        while True:
            try:
                http.get("/-/health")
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read() if proc.stderr else ""
                    pytest.fail(f"nginx did not start:\n{err}")
                time.sleep(0.05)

        # Plain http goes to https.
        r = httpx.get(f"http://127.0.0.1:{http_port}/m/kaili/", follow_redirects=False)
        assert r.status_code == 301
        assert r.headers["location"] == "https://127.0.0.1/m/kaili/"

        # Pages come from kuaizhao (its security headers), whichever instance is up;
        # the one that is down is skipped without a failed request.
        for _ in range(6):
            page = http.get("/m/kaili/")
            assert page.status_code == 200 and "快招" in page.text
            assert "content-security-policy" in page.headers
            assert "max-age=31536000" in page.headers["strict-transport-security"]
        auth = {"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": uuid.uuid4().hex}
        body = {
            "phone": "13900000077",
            "name": "李",
            "skills_text": "会砌墙",
            "township": "522601001",
            "reach": "county",
            "min_wage_yuan": 150,
        }
        for _ in range(2):  # POSTs are passed on too, and the second is the first's answer
            r = http.post("/api/v1/markets/kaili/checkins", json=body, headers=auth)
            assert r.status_code == 201, r.text

        # Static files from disk by nginx (no app headers), with their cache lifetimes.
        js = http.get("/static/vendor/htmx-2.0.11.min.js")
        assert js.status_code == 200 and "content-security-policy" not in js.headers
        assert "immutable" in js.headers["cache-control"]
        css = http.get("/static/kiosk.css")
        assert css.status_code == 200 and "content-security-policy" not in css.headers
        assert css.headers["cache-control"] == "public, max-age=3600"
        assert css.headers.get("etag")
        # What the pages name, with its content version: a year.
        home = http.get("/m/kaili/").text
        named = re.findall(r'(?:href|src)="(/static/[^"]+\?v=[0-9a-f]{12})"', home)
        assert any(u.startswith("/static/kiosk.css?v=") for u in named), home[:2000]
        for url in named:
            r = http.get(url)
            assert r.status_code == 200 and "content-security-policy" not in r.headers, url
            assert r.headers["cache-control"] == "public, max-age=31536000, immutable", url

        # Metrics and the operators' page answer on loopback (the allow lists): the
        # operators' page from kuaizhao itself, which asks for a sign-in first.
        assert http.get("/-/metrics").status_code == 200
        ops = http.get("/ops/")
        assert ops.status_code == 303 and ops.headers["location"].startswith("/ops/login")

        # Request bodies are limited.
        big = http.post("/api/v1/markets/kaili/checkins", content=b"x" * 100_000)
        assert big.status_code == 413

        # POSTs are rate limited per address (burst 30); GETs are not counted.
        codes = [http.post("/-/health").status_code for _ in range(45)]
        assert 429 in codes
        assert http.get("/m/kaili/").status_code == 200

    curl = shutil.which("curl")
    if curl:  # HTTP/2 over TLS (httpx speaks it only with the h2 package)
        head = subprocess.run(
            [curl, "-skI", "--http2", f"{base}/m/kaili/"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
        assert head.startswith("HTTP/2 200"), head
    proc.send_signal(signal.SIGQUIT)
    proc.wait(10)


# -- kiosk devices ----------------------------------------------------------------------------


@pytest.mark.slow
def test_kiosk_launcher_loads_the_market_page(
    served: Serve, scratch: Callable[[str], Path]
) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        unavailable("chromium is not installed (apt install chromium)")
        return
    work = scratch("kzk")
    url = f"{served.base}/m/kaili/"
    (work / "kiosk.conf").write_text(f"KIOSK_URL={url}\nKIOSK_PRINTING=yes\n")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(work),
        "KUAIZHAO_KIOSK_CONF": str(work / "kiosk.conf"),
        "KIOSK_BROWSER": chromium,
        "KIOSK_PROFILE": str(work / "profile"),
        "KIOSK_ONCE": "yes",
        # The test's additions to the launcher's own flags.
        "KIOSK_EXTRA_FLAGS": "--headless --no-sandbox --disable-gpu --disable-quic "
        "--disable-background-networking --disable-component-update --disable-sync "
        "--dump-dom",
    }
    done = subprocess.run(
        ["sh", str(DEPLOY / "kiosk" / "kuaizhao-kiosk")],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "快招" in done.stdout, done.stdout[:2000]
    assert "/static/kiosk.css" in done.stdout  # the market page, not an error page

    # Without a URL the launcher says what to do instead of looping.
    (work / "kiosk.conf").write_text("# nothing yet\n")
    done = subprocess.run(
        ["sh", str(DEPLOY / "kiosk" / "kuaizhao-kiosk")],
        env={**env, "KIOSK_ONCE": "no"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "KIOSK_URL" in done.stderr


def test_kiosk_device_files() -> None:
    kiosk = DEPLOY / "kiosk"
    launcher = kiosk / "kuaizhao-kiosk"
    assert os.access(launcher, os.X_OK)
    text = launcher.read_text()
    for flag in (
        "--kiosk",
        "--disable-pinch",
        "--no-first-run",
        "--noerrdialogs",
        "--kiosk-printing",
        "--overscroll-history-navigation=0",
        "xset",
    ):
        assert flag in text, flag
    desktop = (kiosk / "kuaizhao-kiosk.desktop").read_text()
    assert "Exec=/usr/local/bin/kuaizhao-kiosk" in desktop
    unit = (kiosk / "kuaizhao-kiosk.service").read_text()
    assert "ExecStart=/usr/local/bin/kuaizhao-kiosk" in unit and "Restart=always" in unit
    policy = json.loads((kiosk / "chromium-policy.json").read_text())
    assert policy["TranslateEnabled"] is False and policy["URLBlocklist"] == ["*"]
    conf = (kiosk / "kiosk.conf.example").read_text()
    assert re.search(r"^KIOSK_URL=https://\S+/m/kaili/$", conf, re.MULTILINE)


# What every kiosk and board must run with: full screen, no way out, no pinch zoom or
# swipe-back, no first-run or restore bubbles, spoken prompts without a tap first, error
# pages that reload themselves, the hall's language, its own profile.
KIOSK_FLAGS = (
    "--kiosk",
    "--no-first-run",
    "--no-default-browser-check",
    "--noerrdialogs",
    "--disable-infobars",
    "--hide-crash-restore-bubble",
    "--disable-pinch",
    "--overscroll-history-navigation=0",
    "--autoplay-policy=no-user-gesture-required",
    "--enable-auto-reload",
    "--lang=zh-CN",
)


def _fake_tools(work: Path) -> Path:
    """A Chromium, xset and xmodmap that only write down how they were called (the
    browser exits 1, as a crash would)."""
    bin_dir = work / "bin"
    bin_dir.mkdir()
    for name, status in (("chromium", 1), ("xset", 0), ("xmodmap", 0)):
        tool = bin_dir / name
        tool.write_text(
            f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > "{work}/{name}.$$"\n'
            f"exit {status}\n"
        )
        tool.chmod(0o755)
    return bin_dir


def _calls(work: Path, name: str) -> list[list[str]]:
    return [p.read_text().splitlines() for p in sorted(work.glob(f"{name}.*"))]


def test_kiosk_launcher_runs_chromium_with_the_kiosk_flags(
    scratch: Callable[[str], Path],
) -> None:
    work = scratch("kzf")
    bin_dir = _fake_tools(work)
    profile = work / "profile"
    (profile / "Default").mkdir(parents=True)
    # Chromium after a power cut: it would offer to restore the pages.
    (profile / "Default" / "Preferences").write_text(
        '{"profile":{"exited_cleanly":false,"exit_type":"Crashed"}}'
    )
    url = "https://kuaizhao.example.cn/m/kaili/"
    (work / "kiosk.conf").write_text(f"KIOSK_URL={url}\nKIOSK_PRINTING=yes\nKIOSK_SCALE=1.25\n")
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(work),
        "DISPLAY": ":0",
        "KUAIZHAO_KIOSK_CONF": str(work / "kiosk.conf"),
        "KIOSK_PROFILE": str(profile),
        "KIOSK_WAIT": "0",
        "KIOSK_ONCE": "yes",
    }
    launcher = ["sh", str(DEPLOY / "kiosk" / "kuaizhao-kiosk")]
    done = subprocess.run(launcher, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1, done.stderr  # the browser's own status, with KIOSK_ONCE
    [argv] = _calls(work, "chromium")
    for flag in KIOSK_FLAGS:
        assert flag in argv, flag
    assert f"--user-data-dir={profile}" in argv
    assert "--kiosk-printing" in argv and "--force-device-scale-factor=1.25" in argv
    features = next(a for a in argv if a.startswith("--disable-features="))
    assert {"Translate", "OverscrollHistoryNavigation"} <= set(features.split("=")[1].split(","))
    assert argv[-1] == url  # one URL per device, nothing after it
    # The blank-screen guard and the right mouse button (no context menu) before it.
    assert _calls(work, "xset") == [["s", "off", "-dpms", "s", "noblank"]]
    [xmodmap] = _calls(work, "xmodmap")
    assert xmodmap == ["-e", "pointer = 1 2 0 4 5 6 7 8 9"]
    prefs = (profile / "Default" / "Preferences").read_text()
    assert '"exited_cleanly":true' in prefs and '"exit_type":"Normal"' in prefs

    # A board without a printer prints nothing by itself.
    (work / "kiosk.conf").write_text(f"KIOSK_URL={url}board\nKIOSK_PRINTING=no\n")
    for old in work.glob("chromium.*"):
        old.unlink()
    subprocess.run(launcher, env=env, capture_output=True, timeout=30)
    [argv] = _calls(work, "chromium")
    assert "--kiosk-printing" not in argv and argv[-1] == f"{url}board"
    assert not any(a.startswith("--force-device-scale-factor") for a in argv)

    # A crash (or someone closing it): Chromium is started again, and again.
    for old in work.glob("chromium.*"):
        old.unlink()
    looping = subprocess.Popen(
        launcher,
        env={**env, "KIOSK_ONCE": "no"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while len(_calls(work, "chromium")) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_calls(work, "chromium")) >= 2
    finally:
        os.killpg(looping.pid, signal.SIGTERM)
        _, err = looping.communicate(timeout=10)
    assert "Chromium exited with 1; starting it again" in err


# -- rolling restart ----------------------------------------------------------------------------


class PortServe(Serve):
    """``kuaizhao serve`` on a given port (a restarted instance keeps its port)."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.port = port
        Proc.__init__(self, env, "serve", "--port", str(port))
        self.base = f"http://127.0.0.1:{port}"
        self.http = httpx.Client(base_url=self.base, timeout=10)


class Load:
    """A light round-robin client over two instances. A request an instance could not
    take (connection refused or dropped before an answer) is sent once to the other, as
    nginx's proxy_next_upstream does; every request here is safe to repeat (GETs, and
    POSTs with an Idempotency-Key)."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.ok: dict[int, int] = {p: 0 for p in ports}
        self.failures: list[str] = []
        self.retried = 0
        self.posted: set[str] = set()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        limits = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(timeout=10, limits=limits) as http:
            n = 0
            while not self.stop.is_set():
                n += 1
                first = self.ports[n % 2]
                order = [first, *[p for p in self.ports if p != first]]
                kind = n % 3
                key = uuid.uuid4().hex
                phone = f"137{n:08d}"
                for attempt, port in enumerate(order):
                    base = f"http://127.0.0.1:{port}"
                    try:
                        if kind == 0:
                            r = http.post(
                                f"{base}/api/v1/markets/kaili/checkins",
                                json={
                                    "phone": phone,
                                    "name": "王",
                                    "skills_text": "会砌墙",
                                    "township": "522601001",
                                    "reach": "county",
                                    "min_wage_yuan": 150,
                                },
                                headers={
                                    "Authorization": f"Bearer {TOKEN}",
                                    "Idempotency-Key": key,
                                },
                            )
                        elif kind == 1:
                            r = http.get(f"{base}/m/kaili/")
                        else:
                            r = http.get(f"{base}/api/v1/markets/kaili/jobs")
                    except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as e:
                        if attempt == len(order) - 1:
                            self.failures.append(f"{kind} both instances: {e!r}")
                        else:
                            self.retried += 1
                        continue
                    if r.status_code >= 400:
                        self.failures.append(f"{r.request.method} {r.request.url}: {r.status_code}")
                    else:
                        self.ok[port] += 1
                        if kind == 0:
                            self.posted.add(phone)
                    break
                time.sleep(0.03)


@pytest.mark.slow
def test_rolling_restart_of_two_instances_fails_no_request(
    scratch: Callable[[str], Path], procs: list[Proc]
) -> None:
    server = EmbeddedServer(scratch("kzr"))
    server.start()
    try:
        data = scratch("kzd")
        # As the web units run: web only (the matchers are other units), one secret.
        env = cli_env(
            data,
            REDIS_URL=server.url,
            KUAIZHAO_API_TOKEN=TOKEN,
            KUAIZHAO_RUN_MATCHER="false",
            KUAIZHAO_SECRET="rolling-restart-secret",
        )
        ports = [free_port(), free_port()]
        running: dict[int, PortServe] = {}
        for port in ports:
            running[port] = PortServe(env, port)
            procs.append(running[port])
        for port in ports:
            running[port].wait_healthy()
        load = Load(ports)
        load.thread.start()
        try:
            time.sleep(0.5)
            # Restart the first instance under load, as `systemctl restart
            # kuaizhao-web@8001` does, while the second serves.
            port, other = ports
            before = dict(load.ok)
            assert running[port].terminate() == 0, running[port].output
            running[port] = PortServe(env, port)
            procs.append(running[port])
            running[port].wait_healthy()
            restarted = load.ok[port]
            time.sleep(0.5)
            assert load.ok[other] > before[other], "the other instance took no requests"
            assert load.ok[port] > restarted, "the restarted instance took no requests"
        finally:
            load.stop.set()
            load.thread.join(15)
        assert not load.failures, load.failures
        assert load.retried > 0, "no request met the restart: it proved nothing"
        # Every acknowledged check-in is in the store once.
        r = running[ports[0]].http.get("/api/v1/markets/kaili/stats")
        assert r.status_code == 200 and r.json()["checkins"] == len(load.posted) > 0

        # The data server dies and comes back (systemd restarts it): the instances say
        # "down" meanwhile and reconnect by themselves (deploy/README.md, Redis down).
        server.kill()
        for port in ports:
            r = running[port].http.get("/-/health")
            assert r.status_code == 503 and r.json()["status"] == "down"
        server.start()
        for port in ports:
            assert running[port].http.get("/-/health").json()["status"] == "ok"
            assert running[port].http.get("/m/kaili/").status_code == 200
        for port in ports:
            assert running[port].terminate() == 0
    finally:
        server.stop()
