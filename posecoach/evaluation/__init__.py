"""Accuracy harness: replay labelled samples through the real pipeline and score them."""
