"""``python -m framework``: see which plugins are installed and what they register.

Commands:
    plugins        every plugin: name, package, version, where it comes from and what
                   it registers, then the plugins that failed to load and why.
    list [KIND]    the registered names of one kind (or of all kinds) with their
                   owners and descriptions; ``-v`` adds each factory's signature.

Both take ``-p MODULE`` (repeatable) to load local plugin modules as a config's
``plugins:`` would, ``--no-entry-points`` and ``--no-builtins``.  Exit status: 0 done,
2 bad input (an unknown kind, a module that cannot be found), 1 anything else.
"""
from __future__ import annotations

import argparse
import logging
import sys
from typing import Sequence, TextIO

from framework.errors import UserError
from framework.plugin.hookspecs import HOOKS
from framework.plugin.manager import PluginManager, load_plugins
from framework.registry import closest_match

__all__ = ["main", "build_parser"]


def build_parser(prog: str = "python -m framework") -> argparse.ArgumentParser:
    """The argument parser of ``python -m framework`` (``prog``: another program name)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Inspect zeronn's plugins and registries.")
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of a bad-input error")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback of a bad-input error")
    common.add_argument("-p", "--plugin", dest="modules", action="append", default=[],
                        metavar="MODULE",
                        help="also load this local plugin module (repeatable)")
    common.add_argument("--no-entry-points", dest="entry_points", action="store_false",
                        help="do not load installed third-party plugins")
    common.add_argument("--no-builtins", dest="builtins", action="store_false",
                        help="do not load zeronn's built-in plugins")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sub.add_parser("plugins", parents=[common],
                   help="list every plugin and what it registers")
    lst = sub.add_parser("list", parents=[common],
                         help="list registered names with owners and descriptions")
    lst.add_argument("kind", nargs="?", metavar="KIND",
                     help=f"one of: {', '.join(HOOKS)} (default: all)")
    lst.add_argument("-v", "--verbose", action="store_true",
                     help="also show each factory's signature")
    return parser


def _check_kind(kind: str | None) -> None:
    if kind is None or kind in HOOKS:
        return
    guess = closest_match(kind, HOOKS)
    hint = f" (did you mean {guess!r}?)" if guess else ""
    raise _KindError(f"unknown kind {kind!r}{hint}; valid kinds: {', '.join(HOOKS)}")


class _KindError(UserError):
    """An unknown registry kind on the command line."""


def _load(args: argparse.Namespace) -> PluginManager:
    log = logging.getLogger("framework.plugin")
    old_level = log.level
    log.setLevel(logging.ERROR)  # both listings report the failures themselves
    try:
        return load_plugins(args.modules, builtins=None if args.builtins else [],
                            entry_points=args.entry_points)
    finally:
        log.setLevel(old_level)


def _print_plugins(manager: PluginManager, out: TextIO) -> None:
    n_ok, n_bad = len(manager.plugins), len(manager.failures)
    print(f"{n_ok} plugin{'s' * (n_ok != 1)} loaded, {n_bad} failed", file=out)
    for info in manager.plugins.values():
        package = info.package or "local module"
        version = f" {info.version}" if info.version else ""
        print(f"\n{info.name} - {package}{version}, {info.source} ({info.module})", file=out)
        if not info.registered:
            print("  (registers nothing)", file=out)
        width = max((len(kind) for kind in info.registered), default=0)
        for kind, names in info.registered.items():
            print(f"  {kind:<{width}}  {', '.join(names)}", file=out)
    if manager.failures:
        print("\nfailed to load:", file=out)
        for failure in manager.failures:
            print(f"  {failure.name}: {failure.message}", file=out)


def _owner_text(owner) -> str:
    if not owner.package:
        return f"{owner.plugin} (local)"
    version = f" {owner.version}" if owner.version else ""
    return f"{owner.plugin} ({owner.package}{version})"


def _print_list(manager: PluginManager, kind: str | None, verbose: bool,
                out: TextIO) -> None:
    kinds = [kind] if kind else list(HOOKS)
    for i, k in enumerate(kinds):
        entries = manager.registries[k].entries()
        print(f"{'' if i == 0 else chr(10)}{k} ({len(entries)})", file=out)
        if not entries:
            print("  (none registered)", file=out)
            continue
        owners = [_owner_text(e.owner) for e in entries]
        w_name = max(len(e.name) for e in entries)
        w_owner = max(len(o) for o in owners)
        for entry, owner in zip(entries, owners):
            line = f"  {entry.name:<{w_name}}  {owner:<{w_owner}}  {entry.description}"
            print(line.rstrip(), file=out)
            if verbose:
                print(f"  {'':<{w_name}}  {entry.signature}", file=out)
    if manager.failures:
        print(f"\n{len(manager.failures)} plugin(s) failed to load; see "
              f"`python -m framework plugins`", file=out)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None,
         prog: str = "python -m framework") -> int:
    """Run the command line.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).
        out: where the listing goes (default: stdout).
        prog: the program name in help and errors (``zeronn`` for the installed command).

    Returns:
        The exit status: 0 done, 2 bad input.
    """
    out = sys.stdout if out is None else out
    args = build_parser(prog).parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="warning: %(message)s",
                            stream=sys.stderr)
    try:
        if args.command == "plugins":
            _print_plugins(_load(args), out)
        else:
            _check_kind(args.kind)
            _print_list(_load(args), args.kind, args.verbose, out)
    except UserError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
