"""The web questionnaire and the JSON API (`kneetriage serve`); see docs/web.md."""

from triage.web.app import Settings, create_app

__all__ = ["Settings", "create_app"]
