"""Session reports: a self-contained HTML page (plots embedded) from a per-frame log."""
