"""The frozen app's first line: the same ``main`` as the ``fieldapp`` command."""

from ui.app import main

if __name__ == "__main__":
    raise SystemExit(main())
