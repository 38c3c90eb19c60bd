"""Services over a document model: derivatives (the bridge from text to the engine, with
their caches) and gradient functions as code.  Between ``features`` (and the API) above and
``analysis`` below; knows nothing of LSP."""
