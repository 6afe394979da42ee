"""The model-exporter performance suite: run it with scripts/bench (docs/performance.md)."""
