"""Command-line interface: ``python -m mgc_core <command> ...``.

The only module of :mod:`mgc_core` that prints. Every :class:`~mgc_core.errors.MGCError`
is printed as ``error: <message>`` and ends the command with exit status 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from mgc_core.errors import MGCError

__all__ = ["main"]


def _cmd_warmup(args: argparse.Namespace) -> int:
    """Fill numba's on-disk cache so the app's first analysis is fast."""
    from mgc_core import features

    start = time.perf_counter()
    features.warm_up()
    print(f"warm-up done in {time.perf_counter() - start:.1f} s (numba cache filled)")
    return 0


def _cmd_convert_musicnn(args: argparse.Namespace) -> int:
    """Convert musicnn's TF1 checkpoints into our own ``.keras`` files."""
    from mgc_core.models import musicnn

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    for which, filename in (("MSD_musicnn", "musicnn_msd.keras"), ("MTT_musicnn", "musicnn_mtt.keras")):
        path = musicnn.convert_musicnn(which, out_dir / filename)
        print(f"{which} -> {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mgc_core",
        description="mgc: music-genre classification library and tools.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("warmup", help="compile librosa's numba kernels into the on-disk cache")
    p.set_defaults(func=_cmd_warmup)

    p = sub.add_parser(
        "convert-musicnn",
        help="convert the musicnn wheel's TF1 checkpoints into .keras files",
        description="Needs the musicnn wheel: pip install --no-deps musicnn==0.1.0",
    )
    p.add_argument("--out", default="assets/models", help="output folder (default: assets/models)")
    p.set_defaults(func=_cmd_convert_musicnn)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 2 on an mgc error)."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except MGCError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
