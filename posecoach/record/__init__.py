"""Session records: one private folder per session (frame log, summary.json, optional video),
written incrementally so a killed session still leaves a readable record."""
