"""cptcli: find medical procedure codes and read plain-language procedure summaries."""

__version__ = "0.1.0"
