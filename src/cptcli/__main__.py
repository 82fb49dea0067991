"""Entry point for ``python -m cptcli``."""

from cptcli.cli import main

if __name__ == "__main__":
    main()
