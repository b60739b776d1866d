"""The printers' Prometheus metrics: queue length, jobs printed, online or not, per printer."""

from __future__ import annotations

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from devices.printer.service import PrintService


class PrinterMetrics:
    """Prometheus collector: read at scrape time from the workers and the queue."""

    def __init__(self, service: PrintService):
        self.service = service

    def collect(self):
        queued = GaugeMetricFamily("print_jobs_queued", "Print jobs waiting for a printer", labels=["printer"])
        printed = CounterMetricFamily("print_jobs_printed", "Print jobs confirmed printed since start",
                                      labels=["printer"])
        up = GaugeMetricFamily("printer_up", "1 online, 0 offline, -1 unknown", labels=["printer"])
        for printer in self.service.snapshot():
            name = printer["name"]
            queued.add_metric([name], printer["queued"])
            printed.add_metric([name], printer["printed"])
            up.add_metric([name], {"online": 1, "offline": 0}.get(printer["online"], -1))
        return [queued, printed, up]
