"""Exercise analyzers: pure functions of body geometry, props and time → metrics and checks."""
