"""Entry point of the frozen app (PyInstaller).

``multiprocessing.freeze_support()`` must run before anything else: the app trains in a worker process
started with ``spawn``, which re-runs this executable with multiprocessing's own arguments; without the
call, the worker would start a second copy of the app instead of the training loop.
"""

import multiprocessing

if __name__ == "__main__":
    multiprocessing.freeze_support()

    import sys

    from playground.cli import main

    sys.exit(main())
