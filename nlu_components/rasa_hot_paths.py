"""Two of Rasa 3.6's per-message hot spots, done the same way with less Python.

Run by the Rasa launcher (:func:`nlu_components.rasa_server.install`), in Rasa's own
environment. Each replacement gives exactly what Rasa's code gives (the tests compare both
on the same inputs: ``tests/rasa/test_rasa_hot_paths.py``); py-spy under 20 users sending
knowledge questions put the two originals at about 8 % of the Rasa process's CPU
(BENCHMARKS.md, « Speed, memory and scale-out », session 11).

- **Copying a tracker's slots.** Every ``DialogueStateTracker`` Rasa builds (a tracker is
  rebuilt for each prior state the policies look at, and copied before each action) copies
  each slot of the domain with ``copy.copy``, which goes through ``__reduce_ex__`` and
  ``copy._reconstruct``. For an object with a ``__dict__`` and neither ``__slots__`` nor
  ``__getstate__``/``__setstate__`` that is a new instance of the same class whose
  ``__dict__`` is updated from the original's: :func:`copy_slot` does just that, as the
  slots' ``__copy__``.
- **Joining sparse features.** The NLU pipeline's featurizers each give a sparse COO
  matrix, and Rasa joins them side by side with ``scipy.sparse.hstack``, whose general
  block algorithm is slow for the small matrices of one message (five joins a message).
  :func:`hstack_coo` concatenates the two matrices' coordinates, as ``scipy.sparse.bmat``
  does for one row of blocks; other matrix kinds still go through ``hstack``.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix, hstack  # type: ignore[import-untyped]

logger = logging.getLogger(__name__)


COPY_HOOKS = (
    "__slots__", "__copy__", "__reduce__", "__reduce_ex__", "__getstate__", "__setstate__"
)  # fmt: skip
"""Attributes by which a class copies itself another way than through its ``__dict__``."""

_PLAIN: dict[type, bool] = {}
"""Whether each slot class met so far copies plainly (:func:`copies_plainly`)."""


def copies_plainly(cls: type) -> bool:
    """Whether ``copy.copy`` of an instance of ``cls`` is a new instance with a shallow copy
    of the ``__dict__``: no class of its MRO (``object`` aside) declares slot attributes
    (``abc.ABC``'s empty ``__slots__`` declares none) or has another :data:`COPY_HOOKS`
    attribute of its own, :func:`copy_slot` itself aside."""
    for klass in cls.__mro__[:-1]:
        own = vars(klass)
        if own.get("__slots__"):
            return False
        for name in COPY_HOOKS[1:]:
            if name in own and own[name] is not copy_slot:
                return False
    return True


def copy_slot(slot: Any) -> Any:
    """What ``copy.copy`` gives for a slot: same class, a shallow copy of its attributes
    (through ``copy``'s own path for a slot class that copies itself another way)."""
    cls: Any = type(slot)
    plain = _PLAIN.get(cls)
    if plain is None:
        plain = _PLAIN[cls] = copies_plainly(cls)
    if not plain:
        return copy._reconstruct(slot, None, *slot.__reduce_ex__(4))  # type: ignore[attr-defined]
    copied = cls.__new__(cls)
    copied.__dict__.update(slot.__dict__)
    return copied


def hstack_coo(left: Any, right: Any) -> Any:
    """``scipy.sparse.hstack([left, right])`` for two ``coo_matrix`` of the same height:
    the same matrix (entries in the same order, same value and index types)."""
    dtype = np.result_type(left.dtype, right.dtype)
    return coo_matrix(
        (
            np.concatenate((left.data, right.data)).astype(dtype, copy=False),
            (
                np.concatenate((left.row, right.row)),
                np.concatenate((left.col, right.col + left.shape[1])),
            ),
        ),
        shape=(left.shape[0], left.shape[1] + right.shape[1]),
    )


def combine_sparse_features(features: Any, additional_features: Any) -> None:
    """``Features._combine_sparse_features`` with :func:`hstack_coo` for COO matrices."""
    left, right = features.features, additional_features.features
    if left.shape[0] != right.shape[0]:
        raise ValueError(
            f"Cannot combine sparse features as sequence dimensions do not "
            f"match: {left.shape[0]} != {right.shape[0]}."
        )
    if type(left) is coo_matrix and type(right) is coo_matrix:
        features.features = hstack_coo(left, right)
    else:
        features.features = hstack([left, right])
    features._cached_fingerprint = None


def install() -> None:
    """Give Rasa's slots :func:`copy_slot` as ``__copy__`` and its features
    :func:`combine_sparse_features`."""
    from rasa.shared.core.slots import Slot
    from rasa.shared.nlu.training_data.features import Features

    Slot.__copy__ = copy_slot
    Features._combine_sparse_features = combine_sparse_features
    logger.info("nlu_components.rasa_hot_paths.installed")
