"""framework.plugin: loading order, owners, isolation and every error path."""
import importlib.metadata
import logging
import types

import pytest

from framework.errors import ConfigError, PluginError, RegistryError
from framework.plugin import HOOKS, PluginManager, hookimpl, load_plugins
from framework.plugin import _discovery, manager as manager_module
from framework.registry import Owner


def plugin_module(name, **hooks):
    """An in-memory plugin module whose hooks are ``hooks`` (marked with @hookimpl)."""
    module = types.ModuleType(name)
    for hook_name, func in hooks.items():
        func.__name__ = hook_name
        setattr(module, hook_name, hookimpl(func))
    return module


def registers(kind_hook, *names, override=False):
    def hook(register):
        for n in names:
            register(n, lambda **kw: (n, kw), override=override)
    return {kind_hook: hook}


def isolated(*modules, builtins=()):
    """A manager with only the given plugins: no discovered built-ins or entry points."""
    return load_plugins(modules, builtins=list(builtins), entry_points=False)


# -- fresh state -----------------------------------------------------------------------
def test_every_load_is_a_fresh_manager_with_every_kind():
    first = isolated(plugin_module("p1", **registers("register_models", "m1")))
    second = isolated()
    assert list(first.registries) == list(HOOKS) == [
        "datasets", "data_loaders", "models", "losses", "metrics", "optimizers",
        "lr_schedulers", "callbacks", "trainers"]
    assert first.registries["models"].names() == ["m1"]
    assert second.registries["models"].names() == []
    assert first.registries["models"] is not second.registries["models"]
    assert second.plugins == {} and second.failures == []


def test_owner_and_plugin_info_are_recorded_for_builtins_and_locals():
    builtin = plugin_module("zeronn_test_builtin", **registers("register_models", "mlp"),
                            **registers("register_optimizers", "SGD"))
    local = plugin_module("my_local", **registers("register_metrics", "acc"))
    manager = isolated(local, builtins=[builtin])
    info = manager.plugins["zeronn_test_builtin"]
    assert (info.source, info.package) == ("builtin", "zeronn")
    assert info.registered == {"models": ["mlp"], "optimizers": ["SGD"]}
    assert manager.registries["models"].get("mlp").owner == info.owner
    assert manager.registries["metrics"].get("acc").owner == Owner("my_local")
    assert manager.plugins["my_local"].source == "local"
    assert list(manager.plugins) == ["zeronn_test_builtin", "my_local"]  # load order


def test_build_through_the_manager_and_unknown_kind():
    manager = isolated(plugin_module("p", **registers("register_losses", "l1")))
    assert manager.build("losses", "l1", a=1) == ("l1", {"a": 1})
    with pytest.raises(RegistryError, match=r"unknown registry kind 'loss' \(did you mean "
                                            r"'losses'\?\); valid kinds: datasets"):
        manager.registry("loss")


def test_register_supports_decorator_style_and_class_plugins():
    class Plugin:
        @hookimpl
        def register_models(self, register):
            @register("decorated", description="via decorator")
            def make():
                return 1

    manager = isolated(Plugin())
    entry = manager.registries["models"].get("decorated")
    assert entry.description == "via decorator" and entry.factory() == 1
    assert entry.owner.plugin.endswith("Plugin")


# -- order and overrides -----------------------------------------------------------------
def test_later_plugin_overrides_only_on_purpose():
    builtin = plugin_module("b", **registers("register_models", "mlp", "cnn"))
    quiet = plugin_module("quiet_override", **registers("register_models", "mlp", override=True))
    manager = isolated(quiet, builtins=[builtin])
    assert manager.registries["models"].get("mlp").owner.plugin == "quiet_override"
    assert manager.registries["models"].get("cnn").owner.plugin == "b"


def test_duplicate_in_an_installed_plugin_is_reported_with_both_owners(caplog):
    first = plugin_module("first", **registers("register_models", "mlp"))
    clash = plugin_module("clash", **registers("register_models", "fresh", "mlp"),
                          **registers("register_losses", "also_fresh"))
    with caplog.at_level(logging.WARNING, logger="framework.plugin"):
        manager = isolated(builtins=[first, clash])
    [failure] = manager.failures
    assert failure.name == "clash"
    assert "models 'mlp' is registered twice: first by plugin 'first' (zeronn" in str(failure)
    assert "again by plugin 'clash' (zeronn" in str(failure)
    assert "override=True" in str(failure)
    # All or nothing: none of the clashing plugin's entries stay registered.
    assert manager.registries["models"].names() == ["mlp"]
    assert "also_fresh" not in manager.registries["losses"]
    assert "clash" not in manager.plugins
    assert "clash" in caplog.text and "the other plugins still load" in caplog.text


def test_duplicate_in_a_local_module_is_an_error():
    builtin = plugin_module("b", **registers("register_models", "mlp"))
    with pytest.raises(RegistryError, match="'mlp' is registered twice: first by plugin 'b'"):
        isolated(plugin_module("mine", **registers("register_models", "mlp")),
                 builtins=[builtin])


def test_same_plugin_registering_a_name_twice():
    twice = plugin_module("twice", **registers("register_models", "a", "a"))
    with pytest.raises(RegistryError, match="'a' is registered twice by plugin 'twice'"):
        isolated(twice)


# -- broken plugins ------------------------------------------------------------------------
def test_plugin_raising_on_import_is_reported_and_others_load(site, good_plugin, caplog):
    site.module("zt_broken_pkg", "raise RuntimeError('no GPU driver here')\n")
    site.module("zt_good_pkg", good_plugin("good_"))
    site.distribution("zt-broken", "0.1", {"zt-broken": "zt_broken_pkg"})
    site.distribution("zt-good", "2.0", {"zt-good": "zt_good_pkg"})
    with caplog.at_level(logging.WARNING, logger="framework.plugin"):
        manager = load_plugins(builtins=[])
    broken = [f for f in manager.failures if f.name == "zt-broken"]
    assert len(broken) == 1
    assert broken[0].message == ("plugin 'zt-broken' (zt_broken_pkg, entry point) could not "
                                 "be imported: RuntimeError: no GPU driver here")
    assert isinstance(broken[0].error, RuntimeError)
    assert "zt-broken" in caplog.text
    info = manager.plugins["zt-good"]
    assert (info.package, info.version, info.source) == ("zt-good", "2.0", "entry point")
    assert manager.registries["models"].get("good_model").owner == Owner("zt-good", "zt-good",
                                                                         "2.0")


def test_missing_builtin_module_is_reported_not_fatal():
    good = plugin_module("ok", **registers("register_datasets", "digits"))
    manager = isolated(builtins=["zeronn_no_such_builtin.models", good])
    [failure] = manager.failures
    assert failure.name == "zeronn_no_such_builtin.models" and failure.source == "builtin"
    assert "No module named 'zeronn_no_such_builtin'" in failure.message
    assert manager.registries["datasets"].names() == ["digits"]


def test_strict_mode_raises_at_the_first_broken_plugin():
    with pytest.raises(PluginError, match="'zeronn_no_such_builtin' could not be imported|"
                                          "zeronn_no_such_builtin"):
        load_plugins(builtins=["zeronn_no_such_builtin"], entry_points=False, strict=True)


def test_hook_that_raises_is_reported_with_plugin_and_hook():
    def register_models(register):
        register("half", object)
        raise ValueError("boom")
    manager = isolated(builtins=[plugin_module("raiser", register_models=register_models)])
    [failure] = manager.failures
    assert failure.message == "plugin 'raiser' raised in register_models: ValueError: boom"
    assert "half" not in manager.registries["models"]


def test_misspelled_hook_is_rejected_with_the_closest_hook():
    typo = plugin_module("typo", register_model=lambda register: None)
    with pytest.raises(PluginError) as info:
        isolated(typo)
    assert str(info.value).startswith("plugin 'typo' implements unknown hook "
                                      "'register_model' (did you mean 'register_models'?)")
    assert "valid hooks: register_datasets, register_data_loaders" in str(info.value)
    # Installed plugins with a typo are skipped, not fatal.
    manager = isolated(builtins=[typo, plugin_module("fine", **registers(
        "register_models", "m"))])
    assert [f.name for f in manager.failures] == ["typo"]
    assert "did you mean 'register_models'?" in manager.failures[0].message
    assert manager.registries["models"].names() == ["m"]


def test_check_pending_error_becomes_a_plugin_error():
    manager = PluginManager()
    stray = plugin_module("stray", register_lossses=lambda register: None)
    manager._pm.register(stray, name="stray")  # bypasses register_plugin's own checks
    with pytest.raises(PluginError, match="plugin 'stray' implements unknown hook "
                                          "'register_lossses' \\(did you mean "
                                          "'register_losses'\\?\\)"):
        manager.check()


def test_unmarked_hook_function_is_rejected():
    module = types.ModuleType("unmarked")
    module.register_models = lambda register: register("m", object)
    with pytest.raises(PluginError, match="register_models\\(\\) is not marked as a hook "
                                          "implementation.*@framework.plugin.hookimpl"):
        isolated(module)


def test_hook_with_a_wrong_argument_name_is_rejected():
    module = plugin_module("wrong_arg", register_models=lambda registry: None)
    with pytest.raises(PluginError, match="plugin 'wrong_arg' has an invalid hook.*"
                                          "exactly one argument, `register`"):
        isolated(module)


def test_hook_returning_a_value_is_rejected():
    module = plugin_module("returns", register_models=lambda register: {"m": object})
    with pytest.raises(PluginError, match="register_models returned a dict; hooks register "
                                          "through their `register` argument"):
        isolated(module)


def test_wrapper_hooks_are_rejected():
    module = types.ModuleType("wrapping")

    def register_models(register):
        yield
    module.register_models = hookimpl(wrapper=True)(register_models)
    with pytest.raises(PluginError, match="declared as a wrapper"):
        isolated(module)


def test_bad_entry_from_a_plugin_is_reported():
    module = plugin_module("bad_entry", register_models=lambda register: register("x", 42))
    manager = isolated(builtins=[module])
    assert "the factory must be callable" in manager.failures[0].message


# -- local modules --------------------------------------------------------------------------
def test_local_modules_by_name(site, good_plugin):
    site.module("zt_local_pkg.models", good_plugin("loc_"))
    manager = isolated("zt_local_pkg.models")
    info = manager.plugins["zt_local_pkg.models"]
    assert (info.source, info.package, info.version) == ("local", None, None)
    assert info.registered == {"datasets": ["loc_data"], "models": ["loc_model"],
                               "losses": ["loc_loss"]}
    assert manager.build("models", "loc_model", 3) == ("model", 3, 2)


def test_local_module_not_found_is_a_config_error():
    with pytest.raises(ConfigError) as info:
        isolated("zt_nowhere.models")
    msg = str(info.value)
    assert msg.startswith("plugins: cannot find module 'zt_nowhere.models' (No module named "
                          "'zt_nowhere')")
    assert "sys.path" in msg


def test_local_module_raising_on_import_is_a_plugin_error(site):
    site.module("zt_imports_missing", "import zt_dependency_that_is_absent\n")
    site.module("zt_raises", "1 / 0\n")
    with pytest.raises(PluginError, match="plugin 'zt_imports_missing' raised while being "
                                          "imported: ModuleNotFoundError"):
        isolated("zt_imports_missing")
    with pytest.raises(PluginError, match="'zt_raises' raised while being imported: "
                                          "ZeroDivisionError"):
        isolated("zt_raises")


@pytest.mark.parametrize("modules, expected", [
    ("my_pkg.models", "expected a list of module names, got str"),
    ([3], "each entry must be a module name such as 'my_pkg.models', got 3"),
    ([None], "got None"),
])
def test_bad_plugins_config_values(modules, expected):
    with pytest.raises(ConfigError, match=expected):
        load_plugins(modules, builtins=[], entry_points=False)


def test_same_module_installed_and_named_locally_loads_once(site, good_plugin):
    site.module("zt_twice", good_plugin())
    site.distribution("zt-twice", "1.0", {"zt-twice": "zt_twice"})
    manager = load_plugins(["zt_twice"], builtins=[])
    assert "zt-twice" in manager.plugins and "zt_twice" not in manager.plugins
    assert manager.registries["models"].get("model").owner.package == "zt-twice"


def test_entry_point_name_clash_between_distributions(site, good_plugin):
    site.module("zt_one", good_plugin("one_"))
    site.module("zt_two", good_plugin("two_"))
    site.distribution("zt-one", "1.0", {"zt-shared": "zt_one"})
    site.distribution("zt-two", "1.0", {"zt-shared": "zt_two"})
    manager = load_plugins(builtins=[])
    [failure] = [f for f in manager.failures if f.name == "zt-shared"]
    assert "plugin name 'zt-shared' (zt_two) is already used by plugin 'zt-shared' " \
           "(zt-one 1.0)" in failure.message
    assert "one_model" in manager.registries["models"]
    assert "two_model" not in manager.registries["models"]


def test_disabled_plugins_are_not_loaded(site, good_plugin):
    site.module("zt_disabled", good_plugin("dis_"))
    site.distribution("zt-disabled", "1.0", {"zt-disabled": "zt_disabled"})
    manager = load_plugins(builtins=[], disable=["zt-disabled"])
    assert "zt-disabled" not in manager.plugins and manager.failures == []
    assert "dis_model" not in manager.registries["models"]


# -- discovery --------------------------------------------------------------------------------
def test_builtins_come_from_the_source_tree_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "zeronn"\nversion = "9.9"\n'
        '[project.entry-points.zeronn]\n"zeronn.models" = "plugins.models"\n')
    sources, problem = _discovery.builtin_sources(tmp_path)
    assert problem is None
    assert [(s.name, s.value, s.package, s.version) for s in sources] == [
        ("zeronn.models", "plugins.models", "zeronn", "9.9")]


def test_missing_zeronn_distribution_is_reported(tmp_path, monkeypatch):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)
    monkeypatch.setattr(_discovery.metadata, "distribution", not_installed)
    sources, problem = _discovery.builtin_sources(tmp_path)
    assert sources == [] and "pip install -e ." in problem
    monkeypatch.setattr(manager_module, "builtin_sources", lambda: ([], problem))
    manager = load_plugins(entry_points=False)
    assert [f.name for f in manager.failures] == ["zeronn"]


def test_the_project_declares_its_builtins_as_entry_points():
    sources, problem = _discovery.builtin_sources()
    assert problem is None
    declared = {s.name: s.value for s in sources}
    assert declared["zeronn.datasets"] == "plugins.datasets"
    assert declared["zeronn.models"] == "plugins.models"
    assert all(s.package == "zeronn" for s in sources)


def test_third_party_discovery_skips_zeronn_and_duplicates(site, tmp_path, monkeypatch):
    site.distribution("zeronn", "0.0", {"zeronn.fake": "zt_fake_builtin"})
    site.distribution("Zt_Dup", "1.0", {"zt-dup": "zt_dup_first"})
    later = tmp_path / "later"
    later.mkdir()
    (later / "zt_dup-2.0.dist-info").mkdir()
    (later / "zt_dup-2.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: zt-dup\nVersion: 2.0\n")
    (later / "zt_dup-2.0.dist-info" / "entry_points.txt").write_text(
        "[zeronn]\nzt-dup = zt_dup_second\n")
    monkeypatch.syspath_prepend(str(later))
    monkeypatch.syspath_prepend(str(site.root))  # the first copy wins, as for imports
    found = [s for s in _discovery.third_party_sources() if s.name.startswith(("zt", "zeronn"))]
    assert [(s.name, s.value, s.version) for s in found] == [("zt-dup", "zt_dup_first", "1.0")]


def test_import_object_resolves_attributes(site):
    site.module("zt_holder", "class Holder:\n    class Inner:\n        pass\n")
    assert _discovery.import_object("zt_holder:Holder.Inner").__name__ == "Inner"
