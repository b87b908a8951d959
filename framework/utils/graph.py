"""The computational graph as DOT text, rendered with graphviz where it is installed."""
import os
import shutil
import subprocess


__all__ = ["get_dot_graph", "plot_dot_graph"]


def _dot_var(v, verbose=False):
    name = "" if v.name is None else v.name
    if verbose and v.data is not None:
        name = (name + ": " if name else "") + f"{v.shape} {v.dtype}"
    return f'{id(v)} [label="{name}", color=orange, style=filled]\n'


def _dot_func(f):
    lines = [f'{id(f)} [label="{type(f).__name__}", color=lightblue, style=filled, shape=box]\n']
    for x in f.inputs:
        lines.append(f"{id(x)} -> {id(f)}\n")
    for ref in f.outputs:
        y = ref()
        if y is not None:
            lines.append(f"{id(f)} -> {id(y)}\n")
    return "".join(lines)


def get_dot_graph(output, verbose=True):
    """The graph that produced ``output`` as DOT text (variables orange, functions blue)."""
    text = _dot_var(output, verbose)
    funcs, seen = [], set()

    def add(f):
        if f is not None and f not in seen:
            funcs.append(f)
            seen.add(f)

    add(output.creator)
    while funcs:
        f = funcs.pop()
        text += _dot_func(f)
        for x in f.inputs:
            text += _dot_var(x, verbose)
            add(x.creator)
    return "digraph g {\n" + text + "}"


def plot_dot_graph(output, verbose=True, to_file="graph.png"):
    """Write the graph as DOT text next to ``to_file``; render it where graphviz is installed.

    DeZero's signature; ``plot_dot_graph(y, "graph.png")`` works too.

    Returns:
        The path written: ``to_file`` when graphviz's ``dot`` rendered it, else the
        ``.dot`` file.
    """
    if isinstance(verbose, (str, os.PathLike)):  # plot_dot_graph(y, "graph.png")
        verbose, to_file = True, verbose
    to_file = os.fspath(to_file)
    dot = get_dot_graph(output, verbose)
    base, ext = os.path.splitext(to_file)
    dot_path = base + ".dot" if ext != ".dot" else to_file
    with open(dot_path, "w", encoding="utf-8") as fh:
        fh.write(dot)
    if ext in ("", ".dot") or shutil.which("dot") is None:
        return dot_path
    subprocess.run(["dot", dot_path, "-T", ext[1:], "-o", to_file], check=True)
    return to_file
