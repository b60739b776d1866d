"""The box credential: a JWT signed with the Supabase project's JWT secret, carrying the box's
`restaurant_id` and `box_id` claims that row-level security checks.

Minting needs the project's JWT secret, so it runs on the owner's machine (or CI), never on the
box; the box only ever holds its own token.
"""

from __future__ import annotations

import time

import jwt

ISSUER = "restaurant-edge"


def mint_box_token(secret: str, *, restaurant_id: str, box_id: str, days: int = 365,
                   now: float | None = None) -> str:
    if len(secret) < 32:
        raise ValueError("the JWT secret looks wrong: Supabase project secrets are at least 32 characters")
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": ISSUER, "sub": f"box:{box_id}", "role": "authenticated", "aud": "authenticated",
        "restaurant_id": restaurant_id, "box_id": box_id,
        "iat": issued, "exp": issued + days * 86400,
    }
    return jwt.encode(claims, secret, algorithm="HS256")
