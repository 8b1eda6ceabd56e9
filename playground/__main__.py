from playground.cli import main

if __name__ == "__main__":  # guarded: the training worker process (spawn) re-imports the main module
    raise SystemExit(main())
