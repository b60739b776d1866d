"""The HTTP API under /api/v1: routes only. A module named like one in edge/security or
edge/store holds the routes over it (api/audit.py lists what security/audit.py records;
api/pairing.py pairs tablets through security/pairing.py); access.py says who is calling,
sessions.py logs people in and out, and the request-level defences (limits, headers, bodies,
hosts, idempotency) each have a module. Services are built in edge/services.py, not here."""
