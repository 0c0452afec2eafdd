"""The environment files agree: environment.yml installs exactly the lock; the lock covers pyproject."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).parent.parent


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if m:
            pins[m.group(1).lower().replace("_", "-")] = m.group(2)
    return pins


def test_environment_yml_installs_the_lock_and_the_package():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    assert pip == ["-r requirements.lock", "-e ."]
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python="))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert python == "python=" + project["requires-python"].removeprefix(">=")


def test_every_dependency_is_pinned_in_the_lock():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    pins = lock_pins()
    for requirement in wanted:
        name = re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0).lower().replace("_", "-")
        assert name in pins, f"{name} is not pinned in requirements.lock (run make lock)"
    assert len(pins) > 100  # the whole stack, not just the top level


def test_installed_versions_match_the_lock():
    from importlib.metadata import version

    pins = lock_pins()
    for name in ["pandas", "numpy", "matplotlib", "python-stdnum", "nbval", "papermill", "openpyxl"]:
        assert version(name) == pins[name], name
