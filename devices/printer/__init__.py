"""ESC/POS printing: layouts as data, python-escpos backends from settings, status, print queue."""
