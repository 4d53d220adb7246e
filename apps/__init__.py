"""The applications on top of the ``rag`` package: the web chat (web) and the command line (cli).

They live outside ``rag`` because they also drive ``eval`` (``rag eval``, ``rag bench``), and the
library itself never depends on its own evaluation.
"""
