"""What the box tells its operators: JSON logs (logs), Prometheus metrics (metrics), health
checks (health) and the disk's faults (disk)."""
