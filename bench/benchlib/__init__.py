"""Side-by-side benchmark harness for hawser (see bench/README.md)."""
