"""instructprobe: adversarial instruction-following tests for text retrievers."""
