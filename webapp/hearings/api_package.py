"""Placeholder: filled in by the hearings work (issue 26)."""
