import builtins
from pathlib import Path

import pytest
from click.testing import CliRunner

TESTS = Path(__file__).resolve().parent
MINI_KB = TESTS / "fixtures" / "mini_kb"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture(scope="session")
def kb():
    from triage.knowledge import load_knowledge

    return load_knowledge()


@pytest.fixture(scope="session")
def mini_kb():
    from triage.knowledge import load_knowledge

    return load_knowledge(str(MINI_KB))


@pytest.fixture
def weasyprint():
    """WeasyPrint, or a skip: it is an optional extra and needs the system's Pango library."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:   # OSError: installed, but Pango is missing
        pytest.skip(f"PDF rendering is not available here: {error}")
    return weasyprint


@pytest.fixture
def without_weasyprint(monkeypatch):
    """WeasyPrint made unimportable, as on a machine without the PDF extra."""
    real_import = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name.split(".")[0] == "weasyprint":
            raise ImportError("No module named 'weasyprint'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
