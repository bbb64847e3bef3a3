"""Checks on a clinic's template folder and on rendered HTML: text that Jinja can read, and
no reference that would make a report load something from the network.

Reports promise to be self-contained: printing one, or opening it offline, fetches nothing.
An override (a stylesheet with url(https://...), an <img src="//...">) could break that
quietly, so such a reference is an error naming it.
"""

from __future__ import annotations

import re
from pathlib import Path

# What a browser or WeasyPrint would fetch by itself: CSS url() and @import, and the HTML
# attributes that load a resource. Links (href on <a>) are only followed when clicked.
_REMOTE = re.compile(
    r"""(?:url\(\s*['"]?|@import\s+['"]?|\b(?:src|srcset|poster|data|background)\s*=\s*['"]?"""
    r"""|<link\b[^>]*\bhref\s*=\s*['"]?)\s*((?:[a-z][a-z0-9+.-]*:)?//[^\s'")>]*)""",
    re.IGNORECASE)


class TemplateFolderError(Exception):
    """A template that cannot be used; the message names it."""


def remote_references(text: str) -> list[str]:
    """Every network address that the text would make a browser fetch."""
    return [match.group(1) for match in _REMOTE.finditer(text)]


def check_html(output: str) -> None:
    """TemplateFolderError if a rendered page would load something from the network."""
    remote = remote_references(output)
    if remote:
        raise TemplateFolderError(f"the report would load {remote[0]!r} from the network; reports are "
                                  f"self-contained, so a template may not refer to remote files")


def check_folder(folder: str | Path) -> None:
    """Every template in a --templates folder must be UTF-8 text, as Jinja reads it."""
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file():
            continue
        try:
            path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            raise TemplateFolderError(f"template {path}: is not UTF-8 text (byte {error.start + 1}); "
                                      f"save it as UTF-8") from None
        except OSError as error:
            raise TemplateFolderError(f"template {path}: cannot be read ({error.strerror})") from None
