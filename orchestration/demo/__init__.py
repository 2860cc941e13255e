"""The demo region: a deterministic generator of landing files and their ground-truth manifest."""
