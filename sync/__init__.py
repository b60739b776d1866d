"""Cloud sync: pushes the event log to Supabase exactly once and pulls the menu down.

outbox (batches of the log) -> transport (one RPC per batch) -> worker (cursor, backoff,
dead letters, menu pull) -> status (health, metrics, CLI). Depends on edge.domain and
edge.store only, never on Flask.
"""
