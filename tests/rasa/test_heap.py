"""``nlu_components.heap`` in Rasa's own environment (issue 17): once ``rasa run`` has loaded
its agent, the heap is frozen out of the garbage collector's reach. Skipped without
``.venv-rasa``."""

from __future__ import annotations

from tests.rasa.rasa_env import run_in_rasa_env

SCRIPT = """
import asyncio, gc, json
import rasa.core.run
from nlu_components import heap

original = rasa.core.run.load_agent_on_start
heap.install()
installed = rasa.core.run.load_agent_on_start
heap.install()

class Agent:
    pass

async def load(*args, **kwargs):
    return Agent()

trims = []
heap.release_free_memory = lambda: trims.append(gc.get_freeze_count())
gc.unfreeze()
before = gc.get_freeze_count()
agent = asyncio.run(heap.freezing_after(load)("model.tar.gz", app=None))
print(json.dumps({
    "wrapped": installed is not original and getattr(installed, "freezes_heap", False),
    "idempotent": rasa.core.run.load_agent_on_start is installed,
    "serve_reads_it": "load_agent_on_start" in rasa.core.run.serve_application.__code__.co_names,
    "frozen_before": before,
    "frozen_after": gc.get_freeze_count(),
    "agent_tracked": any(o is agent for o in gc.get_objects()),
    "trims": trims,
}))
"""


def test_heap_install_freezes_after_rasa_loads_its_agent() -> None:
    result = run_in_rasa_env(SCRIPT)
    assert result["wrapped"] and result["idempotent"] and result["serve_reads_it"]
    assert result["frozen_before"] == 0 and result["frozen_after"] > 10_000
    assert result["agent_tracked"] is False
    # The free pages go back to the system once, after the freeze.
    assert len(result["trims"]) == 1 and result["trims"][0] > 10_000


def test_heap_release_free_memory_runs_in_rasa_env() -> None:
    result = run_in_rasa_env(
        "import json\nfrom nlu_components import heap\n"
        "heap.release_free_memory()\nprint(json.dumps({'ok': True}))\n"
    )
    assert result == {"ok": True}
