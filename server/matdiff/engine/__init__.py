"""The differential engine.  Imports nothing from the rest of matdiff: it knows nothing of
text, spans, lark or LSP."""
