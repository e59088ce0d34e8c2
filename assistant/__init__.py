"""The web app of the « Claude » assistant: chat gateway to Rasa, documentation, CLI."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
