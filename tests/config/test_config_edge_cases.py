"""Configs as users write them: Windows line endings, tabs, bare YAML words, odd names."""
import pytest

from framework.config import load_config
from framework.errors import ConfigError


def test_windows_line_endings_and_bom_read_like_unix(write_config, example_text):
    unix = load_config(write_config(example_text, name="unix.yaml"))
    crlf = write_config(example_text, name="crlf.yaml")
    crlf.write_bytes(b"\xef\xbb\xbf" + example_text.replace("\n", "\r\n").encode("utf-8"))
    assert load_config(crlf) == unix


def test_a_tab_in_the_indentation_says_to_use_spaces(write_config, example_text):
    text = example_text.replace("  epochs: 20", "\tepochs: 20")
    with pytest.raises(ConfigError) as info:
        load_config(write_config(text))
    message = str(info.value)
    assert "line 20, column 1" in message and "indents with spaces, never tabs" in message


def test_bare_off_monitor_null_scheduler_and_no_metrics(write_config, example_text):
    text = (example_text.replace("monitor: min val_loss", "monitor: off")
            .replace("lr_scheduler: {type: StepLR, args: {step_size: 10, gamma: 0.5}}",
                     "lr_scheduler: null")
            .replace("metrics: [accuracy]", "metrics: []"))
    cfg = load_config(write_config(text))
    assert cfg.trainer.monitor == "off"  # YAML reads a bare off as False
    assert cfg.lr_scheduler is None and cfg.metrics == []


def test_validation_split_may_be_a_count(write_config, example_text):
    cfg = load_config(write_config(example_text.replace("validation_split: 0.1",
                                                        "validation_split: 100")))
    assert cfg.data_loader.args.validation_split == 100


@pytest.mark.parametrize("name, suggestion", [
    ("数字", "my_experiment"), ("héllo", "h_llo"), ("a/b", "a_b"), ("../up", "up")])
def test_names_that_are_not_portable_folder_names(write_config, example_text, name,
                                                  suggestion):
    text = example_text.replace("name: digits_mlp", f"name: {name!r}".replace("'", '"'))
    with pytest.raises(ConfigError) as info:
        load_config(write_config(text))
    message = str(info.value)
    assert "line 1" in message and "ASCII letters" in message and repr(suggestion) in message
