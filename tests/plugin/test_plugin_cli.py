"""``python -m framework plugins`` and ``python -m framework list [kind]``."""
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from framework.__main__ import main
from framework.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]

PLUGIN = """
from framework.plugin import hookimpl

class TinyNet:
    '''A tiny network for listings.'''
    def __init__(self, width, depth=2):
        pass

def accuracy(output, target):
    '''Fraction of correct predictions.'''

@hookimpl
def register_models(register):
    register("tiny_net", TinyNet)

@hookimpl
def register_metrics(register):
    register("acc", accuracy)
"""

ONLY_MINE = ["--no-builtins", "--no-entry-points"]


def run_main(*argv):
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


@pytest.fixture
def cli_plugin(site):
    return site.module("zt_cli_plugin", PLUGIN)


def test_plugins_lists_name_package_version_and_registrations(cli_plugin):
    code, out = run_main("plugins", *ONLY_MINE, "-p", cli_plugin)
    assert code == 0
    assert out.splitlines() == [
        "1 plugin loaded, 0 failed",
        "",
        "zt_cli_plugin - local module, local (zt_cli_plugin)",
        "  models   tiny_net",
        "  metrics  acc",
    ]


def test_plugins_reports_installed_plugins_and_failures(site, cli_plugin):
    site.module("zt_cli_installed", PLUGIN.replace("tiny_net", "other_net").replace(
        '"acc"', '"acc2"'))
    site.module("zt_cli_broken", "raise ImportError('needs libfoo')\n")
    site.distribution("zt-cli-installed", "1.2.3", {"zt-cli-installed": "zt_cli_installed"})
    site.distribution("zt-cli-broken", "0.1", {"zt-cli-broken": "zt_cli_broken"})
    code, out = run_main("plugins", "--no-builtins")
    assert code == 0
    assert ("zt-cli-installed - zt-cli-installed 1.2.3, entry point (zt_cli_installed)\n"
            "  models   other_net\n  metrics  acc2\n") in out
    assert "failed to load:\n  zt-cli-broken: plugin 'zt-cli-broken' (zt_cli_broken, " \
           "entry point) could not be imported: ImportError: needs libfoo" in out


def test_list_one_kind_shows_names_owners_descriptions(cli_plugin):
    code, out = run_main("list", "models", *ONLY_MINE, "-p", cli_plugin)
    assert code == 0
    assert out.splitlines() == [
        "models (1)",
        "  tiny_net  zt_cli_plugin (local)  A tiny network for listings.",
    ]
    code, out = run_main("list", "models", "-v", *ONLY_MINE, "-p", cli_plugin)
    assert out.splitlines()[-1].strip() == "tiny_net(width, depth=2)"


def test_list_all_kinds(cli_plugin):
    code, out = run_main("list", *ONLY_MINE, "-p", cli_plugin)
    assert code == 0
    headers = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert headers == ["datasets (0)", "data_loaders (0)", "models (1)", "losses (0)",
                       "metrics (1)", "optimizers (0)", "lr_schedulers (0)",
                       "callbacks (0)", "trainers (0)"]
    assert "  acc  zt_cli_plugin (local)  Fraction of correct predictions." in out
    assert out.count("(none registered)") == 7


def test_list_mentions_failed_plugins(site):
    site.module("zt_cli_broken2", "raise RuntimeError('x')\n")
    site.distribution("zt-cli-broken2", "0.1", {"zt-cli-broken2": "zt_cli_broken2"})
    code, out = run_main("list", "models", "--no-builtins")
    assert code == 0
    assert "plugin(s) failed to load; see `python -m framework plugins`" in out


def test_unknown_kind_exits_2_with_one_line(capsys):
    code, out = run_main("list", "model", *ONLY_MINE)
    assert (code, out) == (2, "")
    err = capsys.readouterr().err
    assert err == ("error: unknown kind 'model' (did you mean 'models'?); valid kinds: "
                   "datasets, data_loaders, models, losses, metrics, optimizers, "
                   "lr_schedulers, callbacks, trainers\n")


def test_unknown_module_exits_2_and_debug_shows_the_exception(capsys):
    code, _ = run_main("plugins", *ONLY_MINE, "-p", "zt_cli_nowhere")
    assert code == 2
    assert capsys.readouterr().err.startswith(
        "error: plugins: cannot find module 'zt_cli_nowhere'")
    with pytest.raises(ConfigError, match="cannot find module 'zt_cli_nowhere'"):
        main(["--debug", "plugins", *ONLY_MINE, "-p", "zt_cli_nowhere"], out=io.StringIO())
    with pytest.raises(ConfigError, match="zt_cli_nowhere"):  # also after the command
        main(["plugins", "--debug", *ONLY_MINE, "-p", "zt_cli_nowhere"], out=io.StringIO())


def test_missing_command_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2


def _python_m_framework(*argv, pythonpath=()):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*map(str, pythonpath), str(REPO)])
    return subprocess.run([sys.executable, "-m", "framework", *argv], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)


def test_python_m_framework_end_to_end(tmp_path):
    (tmp_path / "zt_cli_subprocess.py").write_text(PLUGIN)
    done = _python_m_framework("list", "metrics", *ONLY_MINE, "-p", "zt_cli_subprocess",
                               pythonpath=[tmp_path])
    assert done.returncode == 0, done.stderr
    assert "acc  zt_cli_subprocess (local)  Fraction of correct predictions." in done.stdout
    done = _python_m_framework("list", "bogus", *ONLY_MINE)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "unknown kind 'bogus'" in done.stderr
    assert "Traceback" not in done.stderr
