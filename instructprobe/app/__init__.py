"""The application: what runs a request for a user (the ``probe`` command, release gates, the
pytest plugin and the functions of the façade). The top layer: it may import every other."""
