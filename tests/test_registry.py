"""framework.registry: names, owners, close-match hints and argument checks."""
import functools

import pytest

from framework.errors import RegistryError, UserError
from framework.registry import Entry, Owner, Registry, closest_match, format_signature

A = Owner("plugin_a", "pkg-a", "1.0")
B = Owner("plugin_b", "pkg-b", "2.3")


class MLP:
    """Multi-layer perceptron.

    More text that must not show in listings.
    """

    def __init__(self, in_features, hidden, out_features, activation="relu"):
        self.args = (in_features, hidden, out_features, activation)


class Undocumented(MLP):
    pass


def sgd(params, lr, momentum=0.0):
    """Stochastic gradient descent."""
    return ("sgd", params, lr, momentum)


def flexible(x, *rest, scale=1.0, **options):
    return (x, rest, scale, options)


def pos_only(a, /, b=2):
    return (a, b)


@pytest.fixture
def models():
    reg = Registry("models")
    reg.register("mlp", MLP, owner=A)
    reg.register("cnn", Undocumented, owner=A)
    return reg


def test_register_and_get_keeps_factory_description_owner(models):
    entry = models.get("mlp")
    assert isinstance(entry, Entry)
    assert (entry.kind, entry.name, entry.factory, entry.owner) == ("models", "mlp", MLP, A)
    assert entry.description == "Multi-layer perceptron."
    # A class without its own docstring does not inherit its parent's description.
    assert models.get("cnn").description == ""
    assert entry.signature == "mlp(in_features, hidden, out_features, activation='relu')"


def test_container_protocol_in_registration_order(models):
    models.register("zeta", sgd, owner=B)
    models.register("alpha", sgd, owner=B)
    assert models.names() == ["mlp", "cnn", "zeta", "alpha"]
    assert list(models) == models.names()
    assert len(models) == 4
    assert "mlp" in models and "nope" not in models and ["unhashable"] not in models
    assert [e.name for e in models.entries()] == models.names()
    assert "mlp" in repr(models)


def test_explicit_description_wins_and_default_owner_is_the_module():
    reg = Registry("optimizers")
    reg.register("SGD", sgd, description="plain SGD")
    entry = reg.get("SGD")
    assert entry.description == "plain SGD"
    assert entry.owner == Owner(plugin=__name__)
    assert str(Owner("x")) == "plugin 'x'"
    assert str(A) == "plugin 'plugin_a' (pkg-a 1.0)"


def test_register_works_as_a_decorator():
    reg = Registry("losses")

    @reg.register("double", owner=B)
    def double(output, target):
        """Twice the difference."""
        return 2 * (output - target)

    assert double(3, 1) == 4  # the decorator returns the function unchanged
    assert reg.get("double").factory is double
    assert reg.get("double").owner == B


def test_duplicate_names_both_owners(models):
    with pytest.raises(RegistryError) as info:
        models.register("mlp", sgd, owner=B)
    msg = str(info.value)
    assert "models 'mlp' is registered twice" in msg
    assert "plugin 'plugin_a' (pkg-a 1.0)" in msg and "plugin 'plugin_b' (pkg-b 2.3)" in msg
    assert "override=True" in msg
    assert models.get("mlp").factory is MLP  # unchanged


def test_override_replaces_on_purpose(models):
    models.register("mlp", sgd, owner=B, override=True)
    assert models.get("mlp").factory is sgd and models.get("mlp").owner == B
    assert models.names() == ["mlp", "cnn"]


@pytest.mark.parametrize("name, factory, expected", [
    ("", MLP, "non-empty string"),
    (" mlp", MLP, "non-empty string"),
    (3, MLP, "got 3"),
    ("thing", 42, "must be callable"),
])
def test_register_rejects_bad_names_and_factories(name, factory, expected):
    with pytest.raises(RegistryError, match=expected):
        Registry("models").register(name, factory)


def test_register_rejects_non_string_description():
    with pytest.raises(RegistryError, match="description must be a string, got int"):
        Registry("models").register("m", MLP, description=3)


def test_unknown_name_lists_known_and_closest(models):
    with pytest.raises(RegistryError) as info:
        models.get("mpl")
    msg = str(info.value)
    assert msg == ("unknown name 'mpl' in models (did you mean 'mlp'?); "
                   "known models: 'cnn', 'mlp'")
    assert isinstance(info.value, UserError) and isinstance(info.value, LookupError)


def test_unknown_name_without_close_match_and_empty_registry(models):
    with pytest.raises(RegistryError) as info:
        models.get("transformer")
    assert "did you mean" not in str(info.value)
    assert "known models: 'cnn', 'mlp'" in str(info.value)
    with pytest.raises(RegistryError, match="none are registered"):
        Registry("metrics").get("accuracy")
    with pytest.raises(RegistryError, match=r"unknown name \['x'\]"):
        models.get(["x"])


def test_closest_match_prefers_case_insensitive_equality():
    assert closest_match("adam", ["Adam", "AdamW", "SGD"]) == "Adam"
    assert closest_match("Adamw", ["Adam", "AdamW"]) == "AdamW"
    assert closest_match("xyz", ["Adam"]) is None
    assert closest_match(3, ["Adam"]) is None


def test_build_passes_positional_and_keyword_arguments(models):
    models.register("SGD", sgd, owner=B)
    assert models.build("mlp", in_features=4, hidden=[8], out_features=3).args == (
        4, [8], 3, "relu")
    assert models.build("SGD", ["p"], lr=0.1) == ("sgd", ["p"], 0.1, 0.0)


def test_unexpected_argument_names_it_signature_and_closest(models):
    called = []
    models.register("spy", lambda in_features, hidden: called.append(1), owner=A)
    with pytest.raises(RegistryError) as info:
        models.build("mlp", in_features=4, hiden=8, out_features=3)
    msg = str(info.value)
    assert msg == ("models 'mlp' got an unexpected argument 'hiden' (did you mean "
                   "'hidden'?); signature: mlp(in_features, hidden, out_features, "
                   "activation='relu')")
    with pytest.raises(RegistryError, match="unexpected argument 'hiden'"):
        models.build("spy", in_features=1, hiden=2)
    assert called == []  # checked before the factory runs


def test_missing_required_arguments_are_named(models):
    with pytest.raises(RegistryError) as info:
        models.build("mlp", in_features=4)
    msg = str(info.value)
    assert "is missing the required arguments 'hidden', 'out_features'" in msg
    assert "signature: mlp(in_features, hidden" in msg
    with pytest.raises(RegistryError, match="missing the required argument 'out_features';"):
        models.build("mlp", 4, hidden=3)


def test_several_problems_in_one_message(models):
    with pytest.raises(RegistryError) as info:
        models.check_args("mlp", {"in_features": 1, "hiden": 2, "zzz": 3})
    msg = str(info.value)
    assert "unexpected argument 'hiden' (did you mean 'hidden'?)" in msg
    assert "unexpected argument 'zzz';" in msg
    # 'hidden' is already offered as the fix of 'hiden', so only 'out_features' is listed.
    assert "missing the required argument 'out_features';" in msg


def test_check_args_with_placeholders_for_leading_arguments():
    reg = Registry("optimizers")
    reg.register("SGD", sgd)
    assert reg.check_args("SGD", {"lr": 0.1}, None).name == "SGD"
    with pytest.raises(RegistryError, match="'params' twice"):
        reg.check_args("SGD", {"params": [], "lr": 0.1}, None)
    with pytest.raises(RegistryError, match="at most 3 positional argument"):
        reg.check_args("SGD", {}, 1, 2, 3, 4)
    with pytest.raises(RegistryError, match="missing the required argument 'lr'"):
        reg.check_args("SGD", None, None)
    with pytest.raises(RegistryError, match="arguments must be a mapping.*got list"):
        reg.check_args("SGD", [("lr", 1)], None)
    with pytest.raises(RegistryError, match="not strings: 1"):
        reg.check_args("SGD", {1: 2, "lr": 0.1}, None)


def test_var_keyword_and_var_positional_accept_anything():
    reg = Registry("models")
    reg.register("flex", flexible)
    assert reg.build("flex", 1, 2, 3, anything=4) == (1, (2, 3), 1.0, {"anything": 4})
    with pytest.raises(RegistryError, match="missing the required argument 'x'"):
        reg.check_args("flex", {"scale": 2})


def test_positional_only_parameters():
    reg = Registry("models")
    reg.register("po", pos_only)
    assert reg.build("po", 1, b=3) == (1, 3)
    with pytest.raises(RegistryError, match="'a' by name, but it is positional-only"):
        reg.check_args("po", {"a": 1})


def test_unreadable_signature_is_not_checked():
    reg = Registry("metrics")
    reg.register("maximum", max)  # a C builtin without a signature
    assert reg.check_args("maximum", {"whatever": 1}).name == "maximum"
    assert format_signature("maximum", max) == "maximum(...)"


def test_partial_factories_describe_the_wrapped_function():
    reg = Registry("optimizers")
    reg.register("fast_sgd", functools.partial(sgd, lr=1.0))
    assert reg.get("fast_sgd").description == "Stochastic gradient descent."
    assert reg.build("fast_sgd", ["p"]) == ("sgd", ["p"], 1.0, 0.0)
    assert format_signature("fast_sgd", functools.partial(sgd, lr=1.0)) == (
        "fast_sgd(params, *, lr=1.0, momentum=0.0)")


def test_signature_drops_annotations():
    def annotated(x: int, y: "list[int]" = None) -> str:
        return ""
    assert format_signature("f", annotated) == "f(x, y=None)"
