"""Where the knowledge base and the report templates are, installed or in a checkout."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"none of these folders exists: {', '.join(map(str, candidates))}")


# In a checkout (and an editable install) the folders sit beside the package; a wheel carries
# them inside it as triage/_kb and triage/_templates (see package_dir in setup.cfg).
RULES_DIR = _first_existing(_PACKAGE / "_kb", _CHECKOUT / "rules")
REPORTS_DIR = _first_existing(_PACKAGE / "_templates", _CHECKOUT / "reports")
