"""The README's "Coming from PyTorch" example runs and learns its task."""
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_coming_from_pytorch_example_runs(tmp_path, monkeypatch, capsys):
    text = README.read_text(encoding="utf-8")
    section = text.split("## Coming from PyTorch", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)  # it saves model.pt in the working folder
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    accuracy = float(re.search(r"accuracy ([\d.]+)", out).group(1))
    assert accuracy >= 0.9, out
    assert "64 Size([64, 3]) (192,) (3, 64) cpu" in out
    assert (tmp_path / "model.pt").exists()
