"""The operator's side of the box: the `edge backup`, `edge restore` and `edge rotate-secret`
commands (commands.py), online backups and restores (backup.py), the nightly backup
(backup_schedule.py), and what every `edge` command gets through click's context (context.py)."""
