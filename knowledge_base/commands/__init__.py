"""The commands of ``python -m knowledge_base`` (parser in :mod:`knowledge_base.__main__`).

- :mod:`~knowledge_base.commands.build`: ``build-embedder``, ``build``, ``stale``;
- :mod:`~knowledge_base.commands.evaluate`: ``evaluate``;
- :mod:`~knowledge_base.commands.calibrate`: ``calibrate``, ``calibrate-facts``;
- :mod:`~knowledge_base.commands.report`: ``search``, ``inventory``, ``bench``, ``leakage``.

Each ``cmd_*`` function takes the parsed arguments and returns the process exit code.
"""
