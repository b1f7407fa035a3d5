class RetrieverError(Exception):
    """A retriever cannot be resolved or loaded; the message says what to do instead."""
