"""The Jinja2 templates of the web app's pages (autoescaped), over the shared page base."""

from pathlib import Path

from fastapi.templating import Jinja2Templates

from web_common.templating import page_environment

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
templates = Jinja2Templates(env=page_environment(TEMPLATES_DIR))
