"""How the box serves HTTP and its live feeds: one event loop for connections, threads for work
(docs/serving.md); the hub fans the event log out to every open feed (hub)."""
