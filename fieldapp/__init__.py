"""fieldapp: the domain of the field-service product.

Tables, rules and services shared by the engineer's app and HQ. This package never
imports Qt or an HTTP library, so every rule runs in tests, scripts and on the server.
"""

from importlib import metadata


def __getattr__(name: str) -> str:
    # The version comes from one place, pyproject.toml, through the installed package's
    # metadata (a frozen build carries it too); read only when asked.
    if name == "__version__":
        try:
            return metadata.version("fieldapp")
        except metadata.PackageNotFoundError:
            return "0+unknown"
    raise AttributeError(name)
