// Charts drawn by uPlot (vendor/uPlot.iife.min.js, a global): sales per hour and ticket times.
const HEIGHT = 180;
const ZERO_BASED = { range: (u, min, max) => [0, Math.max(1, max * 1.1)] };

function plot(el, options, data) {
  el.replaceChildren();
  return new window.uPlot({ width: Math.max(260, el.clientWidth), height: HEIGHT, cursor: { show: false },
    legend: { show: false }, ...options }, data, el);
}

const bars = (size, align = 0) => window.uPlot.paths.bars({ size: [size, 48], align });
const categories = (labels) => ({
  scales: { x: { time: false, range: () => [-0.5, labels.length - 0.5] } },
  x: { splits: () => labels.map((_, i) => i), values: (u, splits) => splits.map((i) => labels[i] ?? '') },
});

// Hours in business-day order (a day starting at 04:00 ends with 0-3 h), trimmed to the hours that sold.
export function hourly(el, perHour, dayStartsAt) {
  const start = Number(String(dayStartsAt || '00').slice(0, 2));
  const order = [...Array(24).keys()].map((i) => (i + start) % 24);
  const sales = new Map(perHour.map((p) => [p.hour, p.total_cents / 100]));
  const used = order.map((hour, i) => (sales.has(hour) ? i : null)).filter((i) => i !== null);
  const hours = used.length ? order.slice(used[0], used.at(-1) + 1) : order.slice(7, 23);
  const axes = categories(hours.map((hour) => `${hour}h`));
  return plot(el, {
    scales: { ...axes.scales, y: ZERO_BASED },
    series: [{}, { label: 'Sales $', fill: '#2563ebcc', stroke: '#2563eb', paths: bars(0.7), points: { show: false } }],
    axes: [axes.x, { size: 56, values: (u, ticks) => ticks.map((v) => `$${v}`) }],
  }, [hours.map((_, i) => i), hours.map((hour) => sales.get(hour) ?? 0)]);
}

export function stationTimes(el, stations) {
  const axes = categories(stations.map((s) => s.station));
  const minutes = (key) => stations.map((s) => Math.round((s[key] / 60) * 10) / 10);
  return plot(el, {
    scales: { ...axes.scales, y: ZERO_BASED },
    series: [{},
      { label: 'p50 min', fill: '#16a34acc', stroke: '#16a34a', paths: bars(0.35, -1), points: { show: false } },
      { label: 'p90 min', fill: '#f59e0bcc', stroke: '#d97706', paths: bars(0.35, 1), points: { show: false } }],
    axes: [axes.x, { size: 40 }],
  }, [stations.map((_, i) => i), minutes('p50_seconds'), minutes('p90_seconds')]);
}
