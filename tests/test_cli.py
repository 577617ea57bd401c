"""The ``clusteratlas`` command as a whole: --version, completion, loud registration, one
spelling per concept (old spellings hidden), and parameter -> flag translation."""

from __future__ import annotations

import sys

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from clusteratlas import __version__
from clusteratlas.cli import app as app_module
from clusteratlas.cli.options import NutsVersion, nuts_version, parse_years, pick
from clusteratlas.cli.params import flag_for
from clusteratlas.errors import InputError

runner = CliRunner()


def _commands(group, prefix=()):
    for name, cmd in sorted(group.commands.items()):
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, (*prefix, name))
        else:
            yield " ".join((*prefix, name)), cmd


COMMANDS = dict(_commands(get_command(app_module.app)))


def test_version():
    r = runner.invoke(app_module.app, ["--version"])
    assert r.exit_code == 0 and r.output.strip() == f"clusteratlas {__version__}"


def test_shell_completion_is_on():
    r = runner.invoke(app_module.app, ["--help"], terminal_width=200)
    assert "--install-completion" in r.output and "--show-completion" in r.output


def test_every_module_registers_its_verbs():
    # one group per module of COMMAND_MODULES: none was dropped silently
    top = set(get_command(app_module.app).commands)
    expected = {"ingest", "schemes", "classifications", "map", "demo", "store", "fetch", "data",
                "cache", "nuts", "impute", "scoreboard"}  # fmt: skip
    assert expected <= top, expected - top


def test_a_module_that_fails_to_import_stops_the_program(tmp_path, monkeypatch):
    broken = tmp_path / "ca_broken_verbs.py"
    broken.write_text("import a_dependency_that_is_not_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    target = typer.Typer()
    with pytest.raises(ImportError, match=r"ca_broken_verbs failed to import.*a_dependency_that"):
        app_module._register_all(target, ["ca_broken_verbs"])
    with pytest.raises(ImportError, match=r"clusteratlas\.cli\.not_there failed to import"):
        app_module._register_all(target, ["clusteratlas.cli.not_there"])


OLD_SPELLINGS = {"--filter", "--edition-out", "--year"}  # hidden where they were renamed


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_no_verb_shows_an_old_spelling(name):
    cmd = COMMANDS[name]
    visible = {o for p in cmd.params if not getattr(p, "hidden", False) for o in p.opts}
    assert "--filter" not in visible and "--edition-out" not in visible
    if name == "fetch gisco":
        assert "--year" not in visible and "--nuts-version" in visible
    if name == "demo":
        assert "--out" not in visible and "--out-dir" in visible
    if name in ("fetch eurostat", "fetch eurostat-clusters", "fetch eurostat-scoreboard"):
        assert "--region-system" not in visible and "--nuts-version" in visible
    if name == "ingest":
        assert "--format" not in visible and "--input-format" in visible


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_hidden_aliases_are_really_hidden(name):
    cmd = COMMANDS[name]
    help_text = runner.invoke(app_module.app, [*name.split(), "--help"], terminal_width=200)
    for p in cmd.params:
        if getattr(p, "hidden", False):
            for opt in p.opts:
                assert f" {opt} " not in help_text.output, (name, opt)


def test_the_nuts_version_is_written_one_way_in_every_verb():
    with_version = [
        n for n, c in COMMANDS.items() if any("--nuts-version" in p.opts for p in c.params)
    ]
    assert {"fetch gisco", "fetch eurostat", "ingest"} <= set(with_version)
    for name, cmd in COMMANDS.items():
        for p in cmd.params:
            if "--nuts-version" in p.opts:
                assert p.type_descriptor.annotation is NutsVersion, name


def test_nuts2021_and_2021_name_the_same_version():
    a = runner.invoke(app_module.app, ["nuts", "changes", "--from", "NUTS2016", "--to", "2021"])
    b = runner.invoke(app_module.app, ["nuts", "changes", "--from", "2016", "--to", "nuts2021"])
    assert a.exit_code == 0, a.output
    assert a.output == b.output
    assert nuts_version("NUTS2024", "x") is NutsVersion.v2024
    with pytest.raises(InputError) as info:
        nuts_version("NUTS1999", "nuts_version")
    assert info.value.parameter == "nuts_version"


def test_years_option():
    assert parse_years("2015-2020") == (2015, 2020) and parse_years("2015:2016") == (2015, 2016)
    for bad in ("20", "2020-2019", "2020-"):
        with pytest.raises(InputError):
            parse_years(bad)


def test_pick_refuses_both_spellings():
    assert pick(None, "x", new_name="--out-dir", old_name="--out") == "x"
    assert pick([], ["a"], new_name="--where", old_name="--filter") == ["a"]
    with pytest.raises(InputError, match="give --out-dir only"):
        pick("a", "b", new_name="--out-dir", old_name="--out")


def test_flag_for_default_rule_and_exceptions():
    assert flag_for("lq_base") == "--lq-base"
    assert flag_for("min_share") == "--min-share"
    assert flag_for("filters") == "--where"
    assert flag_for("normalise_range") == "--range"
    assert flag_for("--out") == "--out" and flag_for("FILE") == "FILE"
    assert flag_for("steps.treat") == "steps.treat" and flag_for(None) is None


def test_main_prints_input_errors_with_the_flag(monkeypatch, capsys, tmp_path):
    fw = tmp_path / "fw.yaml"
    fw.write_text("name: X\ndimensions:\n  - code: D1\n    name: a\n    indicators:\n"
                  "      - {code: I1, name: x}\n")  # fmt: skip
    data = tmp_path / "d.csv"
    data.write_text("region,year,indicator,value\nA,2020,I1,1\nB,2020,I1,2\n")
    argv = ["clusteratlas", "scoreboard", "--framework", str(fw), "--data", str(data),
            "--out", str(tmp_path / "o.csv"), "--min-share", "1.5"]  # fmt: skip
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as info:
        app_module.main()
    err = capsys.readouterr().err
    # score() raised InputError(parameter="min_share"); the user reads the flag
    assert info.value.code == 2 and "parameter --min-share" in err and "min_share" not in err


def test_option_group_puts_its_options_on_the_command_and_refuses_collisions():
    """One dataclass of options serves several commands; the command gets one instance."""
    from dataclasses import dataclass

    import pytest
    import typer
    from typer.testing import CliRunner

    from clusteratlas.cli.option_groups import option_group

    @dataclass(frozen=True)
    class Http:
        timeout: float = typer.Option(60.0, "--timeout")
        retries: int = typer.Option(5, "--retries")

    app = typer.Typer()
    seen = []

    @app.command()
    @option_group("http", Http)
    def fetch(dataset: str, *, http: Http) -> None:
        seen.append((dataset, http))

    result = CliRunner().invoke(app, ["t1", "--retries", "2"])
    assert result.exit_code == 0, result.output
    assert seen == [("t1", Http(timeout=60.0, retries=2))]
    assert "--timeout" in CliRunner().invoke(app, ["--help"]).output

    with pytest.raises(TypeError, match="retries"):

        @option_group("http", Http)
        def clash(retries: int = 1, *, http: Http) -> None: ...
