"""Who may do what, and proof of what was done: PIN login and tokens (auth, keyring, refresh),
guessing limits (lockout), paired tablets (pairing), the audit log, secrets kept out of logs and
files (redact, secretfiles). Wired into the box in edge/services.py, into HTTP in edge/app.py."""
