"""pytest plugin (placeholder until the suite lands in this commit series)."""
