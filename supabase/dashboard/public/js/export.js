// CSV export of orders and order lines for the chosen restaurants and business days (integer cents).
import * as cloud from './cloud.js';
import { h, toast } from './dom.js';
import { csv } from './format.js';

const ORDER_COLUMNS = ['restaurant_id', 'business_date', 'number', 'id', 'source', 'type', 'status', 'table_label',
  'created_at', 'completed_at', 'voided_at', 'void_reason', 'subtotal_cents', 'tax_cents', 'total_cents', 'box_id'];
const LINE_COLUMNS = ['restaurant_id', 'business_date', 'order_number', 'order_id', 'order_status', 'source', 'item_id',
  'menu_item_id', 'name', 'station', 'quantity', 'unit_price_cents', 'line_total_cents', 'tax_rate_bp', 'voided_at', 'void_reason'];

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = h('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function exportView(restaurantIds, from, to) {
  const run = (relation, columns, order, name) => async (event) => {
    event.target.disabled = true;
    try {
      const rows = await cloud.allRows(relation, columns.join(','), restaurantIds, from, to, order);
      download(`${name}-${from}-to-${to}.csv`, csv(columns, rows));
      toast(`${rows.length} rows exported.`);
    } catch (error) {
      toast(`Export failed: ${error.message}`, { error: true });
    } finally {
      event.target.disabled = false;
    }
  };
  return h('section', { class: 'export', 'data-testid': 'export' },
    h('h2', {}, 'Export'), h('p', {}, `Business days ${from} to ${to}, ${restaurantIds.length} restaurant(s). Amounts in cents.`),
    h('div', { class: 'actions' },
      h('button', { type: 'button', 'data-testid': 'export-orders', onclick: run('orders', ORDER_COLUMNS, ['business_date', 'restaurant_id', 'number'], 'orders') }, 'Orders (CSV)'),
      h('button', { type: 'button', 'data-testid': 'export-items', onclick: run('order_lines', LINE_COLUMNS, ['business_date', 'restaurant_id', 'order_number', 'item_id'], 'order-items') }, 'Order items (CSV)')));
}
