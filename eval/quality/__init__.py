"""Quality: the question sets, their metrics, the baselines, and `rag eval`."""
