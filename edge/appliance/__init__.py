"""The box as an appliance: systemd notification, first boot, the status ticket, demo mode."""
