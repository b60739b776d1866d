"""How the box serves HTTP and its live feeds: one event loop for connections, threads for work
(docs/serving.md)."""
