"""The command line is a thin layer over the Python API: every command has its function, so
anything typed can be scripted."""

from __future__ import annotations

from typer.main import get_command

from klagestat import api
from klagestat.cli import app

# Commands whose function is not in klagestat.api, and why.
ELSEWHERE = {
    ("serve",): "klagestat.web.app.create_app: the web application",
    ("demo",): "klagestat.demo.build.build_demo: the demo is built with the API, above it",
}
NAMED_OTHERWISE = {("users", "add"): "add_user"}


def _leaves(command, path=()):
    subcommands = getattr(command, "commands", None)
    if not subcommands:
        yield path
        return
    for name, sub in subcommands.items():
        yield from _leaves(sub, (*path, name))


def test_every_command_has_its_api_function():
    commands = list(_leaves(get_command(app)))
    assert len(commands) >= 10
    for path in commands:
        if path in ELSEWHERE:
            continue
        name = NAMED_OTHERWISE.get(path, "_".join(path))
        assert callable(getattr(api, name, None)), f"klagestat {' '.join(path)}: no api.{name}"
        assert name in api.__all__, f"api.{name} is not in api.__all__"
