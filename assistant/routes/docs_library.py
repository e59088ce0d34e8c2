"""What the documentation pages share: the guide library and the addresses they link to.

The guides are read from ``knowledge_base/documents`` once and re-read when a file changes
(:class:`knowledge_base.pages.GuideLibrary`). Tests and the app may swap the library through
the :func:`get_guide_library` dependency.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from knowledge_base.pages import GuideLibrary

SUPPORT_URL = "/support"
DOCS_URL = "/docs"
SEARCH_URL = "/docs/recherche"

_library = GuideLibrary()


def get_guide_library() -> GuideLibrary:
    """The process-wide guide library (override in tests with ``dependency_overrides``)."""
    return _library


LibraryDep = Annotated[GuideLibrary, Depends(get_guide_library)]
