"""`--config FILE.toml` for `playground gui|train|snapshot`: a shareable setup (see ``core/setup.py``).

The setup is turned into exactly the flags it stands for: ``--preset``, ``--seed`` and one ``--set KEY=VALUE``
per changed key (before any ``--set`` on the command line, which wins). So ``--config`` gives what the
equivalent flags give, and bad values get the same one-line errors (exit 2).
"""

from __future__ import annotations

from playground.core.errors import UsageError


def add_config_arg(parser) -> None:
    parser.add_argument("--config", metavar="FILE.toml",
                        help="a setup file: lab, preset, seed and changed keys (File ▸ Copy setup in the app)")


def _flag_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)  # round-trips exactly
    return str(v)


def resolve_config(args) -> None:
    """Fill ``args.lab``, ``args.preset``, ``args.seed`` and ``args.set`` from ``--config`` (flags given on the
    command line win), check a positional LAB is there when there is no setup, and default the seed to 0."""
    path = getattr(args, "config", None)
    needs_lab = args.cmd in ("train", "snapshot")
    if not path:
        if needs_lab and not args.lab:
            raise UsageError("the following arguments are required: lab (or --config FILE.toml)")
        if getattr(args, "seed", 0) is None:
            args.seed = 0
        return
    from playground.core.setup import SetupError, load_setup

    try:
        setup = load_setup(path)
    except SetupError as e:
        raise UsageError(f"{path}: {e}" if not str(e).startswith(str(path)) else str(e)) from None
    if args.lab and args.lab != setup.lab:
        raise UsageError(f"lab '{args.lab}' does not match the setup's lab '{setup.lab}' ({path})")
    args.lab = setup.lab
    if not args.preset:
        args.preset = setup.preset
    if args.seed is None:
        args.seed = setup.seed if setup.seed is not None else 0
    args.set = [f"{k}={_flag_value(v)}" for k, v in setup.set.items()] + list(args.set or [])
    if args.cmd == "gui":  # the classroom locks travel with the setup (until another setup or a settings reset)
        from playground.ui.settings import store_classroom

        store_classroom(setup.lab, setup.hide, setup.lock)
