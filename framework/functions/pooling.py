"""Placeholder: filled in by its module owner."""
__all__ = []
