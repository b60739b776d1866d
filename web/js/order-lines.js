// What the order-entry cart shows, as plain data: the lines of the order the cart is bound to
// (the box's answer, what waits in the outbox, what is not sent yet), their totals by the box's
// rounding rule, and the words for a queued entry. No DOM here.

// A line of the draft (not sent yet): { item, modifiers, quantity, notes }.
export function draftAmount(line) {
  const unit = line.item.price_cents + line.modifiers.reduce((sum, m) => sum + m.price_delta_cents, 0);
  return Math.max(unit, 0) * line.quantity;
}

// A request line ({ menu_item_id, quantity, modifier_ids, notes }) as the menu prices it.
export function describeRequestLine(requested, menuItems) {
  const item = menuItems.get(requested.menu_item_id);
  if (!item) return { name: requested.menu_item_id, modifiers: [], amount: 0, rate: 0, quantity: requested.quantity };
  const modifiers = item.modifier_groups.flatMap((g) => g.modifiers).filter((m) => requested.modifier_ids.includes(m.id));
  const unit = item.price_cents + modifiers.reduce((sum, m) => sum + m.price_delta_cents, 0);
  return { name: item.name, modifiers: modifiers.map((m) => m.name), notes: requested.notes,
    quantity: requested.quantity, amount: Math.max(unit, 0) * requested.quantity, rate: item.tax_rate_bp };
}

// The box's rule: tax per rate on the sum at that rate, rounded half up, integers only.
export function totals(parts) {
  const byRate = new Map();
  for (const { amount, rate } of parts) byRate.set(rate, (byRate.get(rate) || 0) + amount);
  let subtotal = 0; let tax = 0;
  for (const [rate, amount] of byRate) {
    subtotal += amount;
    tax += Math.floor((amount * rate * 2 + 10000) / 20000);
  }
  return { subtotal, tax, total: subtotal + tax };
}

// The order the cart is bound to, in three parts: `sent` (items the box holds, with a void
// waiting in the outbox marked), `queued` (request lines waiting for the box) and the draft.
export function boundOrderLines(active, known, pending, menuItems) {
  const mine = pending.filter((entry) => entry.client_order_id === active.client_order_id);
  const voiding = new Set(mine.filter((e) => e.kind === 'void').flatMap((e) => e.body.item_ids));
  const wholeVoid = mine.some((e) => e.kind === 'void-order') || (known && known.status === 'voided');
  const sent = known ? known.items.map((item) => ({ item, voiding: wholeVoid || voiding.has(item.id) })) : [];
  const queuedBodies = mine.filter((e) => e.kind === 'add' || (e.kind === 'order' && !known));
  const queued = queuedBodies.flatMap((e) => e.body.items.map((line) => describeRequestLine(line, menuItems)));
  return { sent, queued };
}

export function orderWhere({ type, table, customer_name: name }) {
  const where = type === 'dine_in' && table ? `Table ${table}` : (name || '');
  return [where, type === 'takeout' ? 'Takeout' : 'Dine in'].filter(Boolean).join(' \u00b7 ');
}

export function entryLabel(entry, known) {
  const count = (lines) => lines.reduce((sum, line) => sum + line.quantity, 0);
  const number = known ? `#${known.number}` : 'queued order';
  if (entry.kind === 'order') return `${orderWhere(entry.body)} \u00b7 ${count(entry.body.items)} item(s)`;
  if (entry.kind === 'add') return `+${count(entry.body.items)} item(s) for ${number}`;
  if (entry.kind === 'void-order') return `Void ${number}`;
  return `Void ${entry.body.item_ids.length} item(s) of ${number}`;
}
