"""``nlu_components.rasa_hot_paths`` in Rasa's own environment (issue 17): the faster slot
copy and sparse-feature join give exactly what Rasa's own code gives, and the trained model
parses messages the same with them. Equalities only, no timing. Skipped without
``.venv-rasa``; the parse comparison is skipped without a trained model."""

from __future__ import annotations

import pytest

from tests.rasa.rasa_env import run_in_rasa_env

SCRIPT = r"""
import asyncio, copy, json, os
import numpy as np
from scipy.sparse import coo_matrix, csr_matrix, hstack, random as sparse_random
from rasa.shared.core.domain import Domain
from rasa.shared.core.slots import Slot, TextSlot
from rasa.shared.nlu.training_data.features import Features
from nlu_components import rasa_hot_paths

out = {}
rng = np.random.default_rng(7)

def coo(rows, cols, density, dtype):
    m = sparse_random(rows, cols, density=density, format="coo", dtype=np.float64,
                      random_state=int(rng.integers(1 << 30)))
    return coo_matrix(m.astype(dtype))

def same(a, b):
    return (type(a) is type(b) and a.shape == b.shape and a.dtype == b.dtype
            and a.row.dtype == b.row.dtype and a.col.dtype == b.col.dtype
            and np.array_equal(a.row, b.row) and np.array_equal(a.col, b.col)
            and np.array_equal(a.data, b.data))

pairs = [(coo(r, c1, d, t1), coo(r, c2, d, t2))
         for r in (1, 3, 17) for c1, c2 in ((1, 5), (40, 7), (300, 2000))
         for d in (0.0, 0.05, 0.4) for t1, t2 in ((np.float32, np.float32),
                                                  (np.float32, np.float64), (np.int64, np.float32))]
out["pairs"] = len(pairs)
out["hstack_same"] = sum(same(rasa_hot_paths.hstack_coo(a, b), hstack([a, b])) for a, b in pairs)

def combined(left, right):
    features = Features(left, "sequence", "text", "a")
    features.combine_with_features(Features(right, "sequence", "text", "b"))
    return features.features

a, b = pairs[10]
expected = combined(a, b)
csr_expected = combined(csr_matrix(a), b).tocoo()
try:
    combined(a, coo(a.shape[0] + 1, 4, 0.5, np.float32))
except ValueError as exc:
    out["error_before"] = str(exc)

# Slots of the real domain, copied by Rasa, then by the hot path.
domain = Domain.load("domain")
slots = [copy.deepcopy(s) for s in domain.slots]
for slot in slots:
    slot.value = ["a"] if slot.type_name == "list" else "valeur"

class SelfCopying(TextSlot):
    def __getstate__(self):
        state = dict(self.__dict__)
        state["value"] = "copié autrement"
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)

odd = SelfCopying("odd", mappings=[])
odd.value = "d'origine"
before = [(type(c).__name__, vars(c)) for c in (copy.copy(s) for s in slots)]
odd_before = vars(copy.copy(odd))

# The trained model parses the same messages the same way with the hot paths.
MODEL = "models/assistant.tar.gz"
MESSAGES = ["bonjour", "comment déposer une facture pour une mairie ?",
            "où en est mon mémoire MJ-2024-000123 ?", "je veux parler à quelqu'un",
            "remboursement TIC pour mon exploitation dans le Gard",
            "c'est payant chorus pro ?", "merci beaucoup"]
agent = None
if os.path.exists(MODEL):
    from rasa.core.agent import Agent
    agent = Agent.load(MODEL)

async def parses():
    return [await agent.parse_message(m) for m in MESSAGES]

def key(parse):
    return (parse["intent"]["name"], parse["intent"]["confidence"],
            [(e["entity"], e["value"]) for e in parse["entities"]],
            [(r["name"], r["confidence"]) for r in parse["intent_ranking"]])

without = [key(p) for p in asyncio.run(parses())] if agent else None

rasa_hot_paths.install()
rasa_hot_paths.install()  # twice changes nothing
if agent:
    out["parses"] = len(MESSAGES)
    out["parses_same"] = [key(p) for p in asyncio.run(parses())] == without
out["combined_same"] = same(combined(a, b), expected)
out["csr_same"] = same(combined(csr_matrix(a), b).tocoo(), csr_expected)
try:
    combined(a, coo(a.shape[0] + 1, 4, 0.5, np.float32))
except ValueError as exc:
    out["error_after"] = str(exc)

copies = [copy.copy(s) for s in slots]
out["slots"] = len(slots)
out["slots_same"] = [(type(c).__name__, vars(c)) for c in copies] == before
out["slots_fast"] = all(rasa_hot_paths._PLAIN.get(type(s)) is True for s in slots)
out["slots_apart"] = all(c is not s and vars(c) is not vars(s) for c, s in zip(copies, slots))
copies[0].value = "changé"
out["original_kept"] = slots[0].value == "valeur"
out["odd_same"] = vars(copy.copy(odd)) == odd_before and odd_before["value"] == "copié autrement"

print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def result() -> dict[str, object]:
    return run_in_rasa_env(SCRIPT)


def test_rasa_hot_paths_hstack_same_as_scipy(result: dict[str, object]) -> None:
    assert result["pairs"] == 81
    assert result["hstack_same"] == result["pairs"]
    assert result["combined_same"] is True
    assert result["csr_same"] is True
    assert result["error_after"] == result["error_before"]


def test_rasa_hot_paths_slot_copies_same_as_rasa(result: dict[str, object]) -> None:
    assert isinstance(result["slots"], int) and result["slots"] >= 10
    assert result["slots_same"] is True
    assert result["slots_fast"] is True  # the domain's slots take the fast copy
    assert result["slots_apart"] is True
    assert result["original_kept"] is True


def test_rasa_hot_paths_self_copying_slot_keeps_its_copy(result: dict[str, object]) -> None:
    assert result["odd_same"] is True


def test_rasa_hot_paths_model_parses_same(result: dict[str, object]) -> None:
    if "parses" not in result:
        pytest.skip("no trained model (models/assistant.tar.gz)")
    assert result["parses_same"] is True
