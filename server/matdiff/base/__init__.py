"""Shared vocabulary of every layer: spans, line indexes, diagnostics, the language's names.

Imports the standard library only.
"""
