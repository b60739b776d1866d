// The kiosk's order in pure functions: the box's money rule and the box's modifier rules, so what
// a guest sees is what the box charges and refuses (edge/domain/orders.py, edge/domain/menu.py).

// A line costs (price + modifier deltas) x quantity, never below zero per unit.
export function lineTotal(line) {
  const unit = line.item.price_cents + line.modifiers.reduce((sum, m) => sum + m.price_delta_cents, 0);
  return Math.max(unit, 0) * line.quantity;
}

// Tax per tax rate on the sum of the lines at that rate, rounded half up to the cent: integers only.
export function totals(lines) {
  const byRate = new Map();
  for (const line of lines) byRate.set(line.item.tax_rate_bp, (byRate.get(line.item.tax_rate_bp) || 0) + lineTotal(line));
  let subtotal = 0; let tax = 0;
  for (const [rate, amount] of byRate) {
    subtotal += amount;
    tax += Math.floor((amount * rate * 2 + 10000) / 20000);
  }
  return { subtotal, tax, total: subtotal + tax };
}

// What a guest is asked to do in a group, in plain words.
export function ruleText(group) {
  if (group.min === 0) return group.max === 1 ? 'Optional: choose 1' : `Optional: choose up to ${group.max}`;
  if (group.min === group.max) return `Required: choose ${group.min}`;
  return `Required: choose ${group.min} to ${group.max}`;
}

// The first group whose choices break its min/max (as the box checks them), with what to say.
export function firstProblem(groups, chosen) {
  for (const group of groups) {
    const count = chosen.get(group.id).size;
    if (count < group.min) {
      const need = group.min - count;
      return { group, message: group.min === 1 ? `Please choose your ${group.name.toLowerCase()}.`
        : `Please choose ${need} more for ${group.name.toLowerCase()}.` };
    }
    if (count > group.max) return { group, message: `You can choose up to ${group.max} for ${group.name.toLowerCase()}.` };
  }
  return null;
}

// A tap on a choice: a single-choice group swaps; a full group refuses (and says why).
export function toggleChoice(group, selected, modifierId) {
  if (selected.has(modifierId)) { selected.delete(modifierId); return null; }
  if (group.max === 1) { selected.clear(); selected.add(modifierId); return null; }
  if (selected.size >= group.max) return `You can choose up to ${group.max} for ${group.name.toLowerCase()}. Tap one to remove it first.`;
  selected.add(modifierId);
  return null;
}

export function sameChoice(a, b) {
  return a.item.id === b.item.id && a.modifiers.map((m) => m.id).join() === b.modifiers.map((m) => m.id).join();
}

// The body of POST /api/v1/orders; the same guest order always makes the same body.
export function orderBody(order) {
  return {
    client_order_id: order.clientOrderId, source: 'kiosk', type: order.type,
    customer_name: order.name.trim() || null,
    items: order.lines.map((l) => ({ menu_item_id: l.item.id, quantity: l.quantity, modifier_ids: l.modifiers.map((m) => m.id) })),
  };
}
