"""Fine-tune the static embedder on our own FAQ and guide texts (contrastive, in-batch).

Training pairs come only from the content (never from ``eval/``):

- FAQ entry: each variant → the question, each variant → the answer, the question → the
  answer (users' wordings are pulled towards the entry's texts);
- guide section: its heading path → each of its sentence windows, its title → its first
  window (headings are pulled towards the text they introduce);
- rollout rule: its title → its answer;
- paraphrase (``paraphrases/``): → the FAQ question and answer, or the section title and
  first window, or the rollout rule's answer.

Loss: multiple-negatives ranking loss (cross-entropy over in-batch cosine similarities
times :data:`SCALE`), symmetric; a batch never holds two pairs of the same unit, so no
pair is a false negative of another. Only the rows of words met in the pairs move; stop
words and the unknown token stay zero. Deterministic (fixed seeds, one thread per op
order); about a minute on 2 CPU cores.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from knowledge_base.documents import Unit
from knowledge_base.text import expand_abbreviations

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

SEED = 20261127
EPOCHS = 10
BATCH_SIZE = 64
LEARNING_RATE = 0.05
SCALE = 20.0
MAX_SECTION_WINDOWS = 6
TRAINING_MANIFEST = "training.json"


@dataclass(frozen=True)
class Pair:
    """An (anchor, positive) pair of texts and the unit both belong to."""

    unit_id: str
    anchor: str
    positive: str


def training_pairs(units: list[Unit]) -> list[Pair]:
    """The contrastive pairs of ``units`` (see the module docstring), in a stable order."""
    pairs: list[Pair] = []
    for unit in units:
        texts = list(unit.match_texts)
        if unit.kind == "faq":
            question, variants = texts[0], texts[1:]
            pairs += [Pair(unit.id, v, question) for v in variants]
            pairs += [Pair(unit.id, v, unit.answer) for v in variants]
            pairs.append(Pair(unit.id, question, unit.answer))

        elif unit.kind == "section":
            title, windows = texts[0], texts[1 : MAX_SECTION_WINDOWS + 1]
            pairs += [Pair(unit.id, title, w) for w in windows]
            if windows:
                pairs.append(Pair(unit.id, unit.answer, windows[0]))
        else:
            pairs.append(Pair(unit.id, unit.title, unit.answer))
        targets = (
            [texts[0], texts[1]] if unit.kind == "section" and len(texts) > 1
            else [texts[0], unit.answer] if unit.kind == "faq"
            else [unit.answer]
        )  # fmt: skip
        pairs += [Pair(unit.id, p, t) for p in unit.paraphrases for t in targets]
    return [p for p in pairs if p.anchor.strip() and p.positive.strip() and p.anchor != p.positive]


def pairs_hash(pairs: list[Pair]) -> str:
    """SHA-256 of the pairs and the training hyper-parameters: the embedder is stale when
    it changes."""
    digest = hashlib.sha256()
    params = {"epochs": EPOCHS, "batch": BATCH_SIZE, "lr": LEARNING_RATE, "scale": SCALE}
    digest.update(json.dumps(params, sort_keys=True).encode())
    for pair in pairs:
        digest.update(f"{pair.unit_id}\0{pair.anchor}\0{pair.positive}\0".encode())
    return digest.hexdigest()


def _batches(pairs: list[Pair], rng: random.Random) -> list[list[Pair]]:
    """Shuffled batches of :data:`BATCH_SIZE` pairs with distinct units."""
    pending = pairs[:]
    rng.shuffle(pending)
    batches: list[list[Pair]] = []
    while pending:
        batch: list[Pair] = []
        seen: set[str] = set()
        rest: list[Pair] = []
        for pair in pending:
            if len(batch) < BATCH_SIZE and pair.unit_id not in seen:
                batch.append(pair)
                seen.add(pair.unit_id)
            else:
                rest.append(pair)
        if len(batch) < 2:  # one unit left: nothing to contrast with
            break
        batches.append(batch)
        pending = rest
    return batches


def _embed(static: Any, texts: list[str]) -> torch.Tensor:
    """Normalised embeddings of ``texts`` through the static embedding module ``static``
    (a sentence-transformers ``StaticEmbedding``: its tokenizer and ``EmbeddingBag``)."""
    import torch

    prepared = [expand_abbreviations(t) for t in texts]
    features = static.tokenizer.encode_batch(prepared, add_special_tokens=False)
    ids = [torch.tensor(f.ids, dtype=torch.long) for f in features]
    offsets = torch.tensor([0, *np.cumsum([len(i) for i in ids[:-1]])], dtype=torch.long)
    flat = torch.cat(ids) if ids else torch.zeros(0, dtype=torch.long)
    embedded: torch.Tensor = static.embedding(flat, offsets)
    return torch.nn.functional.normalize(embedded, dim=-1)


def _contrastive_loss(anchors: torch.Tensor, positives: torch.Tensor) -> torch.Tensor:
    """Symmetric multiple-negatives ranking loss of in-batch pairs (row i ↔ row i)."""
    import torch

    logits = SCALE * anchors @ positives.T
    labels = torch.arange(len(anchors))
    return (
        torch.nn.functional.cross_entropy(logits, labels)
        + torch.nn.functional.cross_entropy(logits.T, labels)
    ) / 2


def _train_epoch(
    batches: list[list[Pair]],
    static: Any,
    optimizer: torch.optim.Optimizer,
    weight: torch.Tensor,
    frozen: torch.Tensor,
) -> list[float]:
    """One optimisation step per batch; the ``frozen`` rows of ``weight`` stay zero.
    Returns each step's loss."""
    import torch

    losses: list[float] = []
    for batch in batches:
        anchors = _embed(static, [p.anchor for p in batch])
        positives = _embed(static, [p.positive for p in batch])
        loss = _contrastive_loss(anchors, positives)
        optimizer.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        with torch.no_grad():
            weight[frozen] = 0.0
        losses.append(float(loss.detach()))
    return losses


def fine_tune(
    model_dir: Path, units: list[Unit], epochs: int | None = None, seed: int | None = None
) -> dict[str, float]:
    """Fine-tune the static embedder saved in ``model_dir`` in place on ``units``' pairs
    (``seed``: :data:`SEED` unless given; :mod:`knowledge_base.seed_spread` tries others).

    Returns:
        A small report: pairs, steps, first- and last-epoch mean loss, seconds.
    """
    import torch
    from sentence_transformers import SentenceTransformer

    seed = SEED if seed is None else seed
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    started = time.perf_counter()
    model = SentenceTransformer(str(model_dir), device="cpu")
    static: Any = model[0]  # the StaticEmbedding module
    weight = static.embedding.weight
    frozen = torch.nonzero(weight.detach().abs().sum(dim=1) == 0).squeeze(1)  # stop words, unk
    static.embedding.sparse = True  # only the rows of a batch's words get a gradient
    optimizer = torch.optim.SparseAdam([weight], lr=LEARNING_RATE)
    pairs = training_pairs(units)
    rng = random.Random(seed)
    model.train()
    losses: list[float] = []
    steps = 0
    for _ in range(EPOCHS if epochs is None else epochs):
        epoch_loss = _train_epoch(_batches(pairs, rng), static, optimizer, weight, frozen)
        steps += len(epoch_loss)
        losses.append(float(np.mean(epoch_loss)) if epoch_loss else 0.0)
    model.eval()
    static.embedding.sparse = False
    model.save(str(model_dir))
    report = {
        "pairs": float(len(pairs)),
        "steps": float(steps),
        "first_loss": losses[0] if losses else 0.0,
        "last_loss": losses[-1] if losses else 0.0,
        "seconds": round(time.perf_counter() - started, 1),
    }
    logger.info("embedder.fine_tuned %s", report)
    return report


def training_fingerprint(content_dir: Path) -> str:
    """:func:`pairs_hash` of the pairs the content of ``content_dir`` gives."""
    from knowledge_base.documents import build_units

    return pairs_hash(training_pairs(build_units(content_dir)))


def read_training_fingerprint(model_dir: Path) -> str | None:
    """The fingerprint saved with a fine-tuned model (``None``: none, or not our model)."""
    path = model_dir / TRAINING_MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get("fingerprint") if isinstance(data, dict) else None
    return str(value) if value else None


def embedder_needs_build(model: str, content_dir: Path, default_dir: Path) -> bool:
    """True when ``model`` is our fine-tuned embedder (the default folder, or a folder with a
    training manifest) and it is missing or was trained on other content."""
    path = Path(model)
    if path != default_dir and not (path / TRAINING_MANIFEST).exists():
        return False  # another sentence-transformers model: not ours to build
    if not (path / "modules.json").exists():
        return True
    return read_training_fingerprint(path) != training_fingerprint(content_dir)


def build_fine_tuned_embedder(
    output: Path, content_dir: Path, seed: int | None = None
) -> dict[str, float]:
    """Build the static embedder in ``output`` and fine-tune it on ``content_dir``'s units
    (``seed``: see :func:`fine_tune`); the training manifest (fingerprint, report) is
    written last, so an interrupted build is rebuilt next time."""
    from knowledge_base.documents import build_units
    from knowledge_base.embedder import build_static_model

    (output / TRAINING_MANIFEST).unlink(missing_ok=True)
    build_static_model(output)
    units = build_units(content_dir)
    report = fine_tune(output, units, seed=seed)
    manifest = {"fingerprint": pairs_hash(training_pairs(units)), "report": report}
    (output / TRAINING_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return report
