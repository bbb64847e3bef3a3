"""Reading YAML: the knowledge base, the management plans and the vignettes.

libyaml's loader (CSafeLoader) reads the knowledge base about eight times faster than the
pure-Python one, which is most of the start-up of every command; both are safe loaders with
the same resolvers, so they give the same data. PyYAML without libyaml falls back to SafeLoader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YAMLError = yaml.YAMLError


def parse_yaml(text: str) -> Any:
    return yaml.load(text, Loader=Loader)


def read_yaml(path: str | Path) -> Any:
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=Loader)
