// Menu editing: names and prices of one restaurant. One Save = one owner_save_menu call = one
// transaction, so the boxes see one new menu version and swap it in at their next pull.
import * as cloud from './cloud.js';
import { h, toast } from './dom.js';
import { money, parsePrice } from './format.js';

export async function menuView(restaurant) {
  const [categories, items] = await cloud.menu(restaurant.restaurant_id);
  const categoryNames = new Map(categories.map((c) => [c.id, c.name]));
  const rows = items.map((item) => ({
    item,
    name: h('input', { type: 'text', value: item.name, maxlength: 80, 'aria-label': `Name of ${item.name}` }),
    price: h('input', { type: 'text', inputmode: 'decimal', value: (item.price_cents / 100).toFixed(2), 'aria-label': `Price of ${item.name}`,
      'data-testid': `price-${item.id}` }),
    problem: h('span', { class: 'problem', role: 'alert' }),
  }));
  const save = h('button', { type: 'button', class: 'primary', 'data-testid': 'save-menu' }, 'Save changes');

  const changes = () => {
    const found = [];
    let invalid = 0;
    for (const row of rows) {
      const change = { id: row.item.id };
      const price = parsePrice(row.price.value);
      const name = row.name.value.trim();
      row.problem.textContent = price.error || (name ? '' : 'a name is required');
      row.price.setAttribute('aria-invalid', String(!!price.error));
      row.name.setAttribute('aria-invalid', String(!name));
      if (row.problem.textContent) { invalid += 1; continue; }
      if (price.cents !== row.item.price_cents) change.price_cents = price.cents;
      if (name !== row.item.name) change.name = name;
      if (Object.keys(change).length > 1) found.push(change);
    }
    return { found, invalid };
  };

  save.addEventListener('click', async () => {
    const { found, invalid } = changes();
    if (invalid) return toast(`Nothing saved: fix the ${invalid} marked line(s) first.`, { error: true });
    if (!found.length) return toast('No changes to save.');
    save.disabled = true;
    try {
      const saved = await cloud.saveMenu(restaurant.restaurant_id, found);
      toast(`Saved ${saved.updated} item(s): menu version ${saved.menu_version}. Boxes take it within a minute.`);
      for (const change of found) Object.assign(rows.find((r) => r.item.id === change.id).item, change);
    } catch (error) {
      toast(`Not saved: ${error.message}`, { error: true, ms: 8000 });
    } finally {
      save.disabled = false;
    }
  });

  if (!items.length) {
    return h('section', { class: 'menu', 'data-testid': 'menu' }, h('h2', {}, `Menu of ${restaurant.name}`),
      h('p', {}, 'This restaurant has no menu in the cloud yet, so its boxes keep their own. Enter it in Supabase (docs/sync.md) to edit it here.'));
  }
  return h('section', { class: 'menu', 'data-testid': 'menu' },
    h('h2', {}, `Menu of ${restaurant.name}`),
    h('p', { class: 'muted' }, `Prices from ${money(0)} to $10,000.00. Whether an item is 86'd is decided in the kitchen, on the box.`),
    h('table', {}, h('tr', {}, ['Item', 'Category', 'Price ($)', ''].map((c) => h('th', {}, c))),
      rows.map((row) => h('tr', { 'data-testid': `menu-row-${row.item.id}` }, h('td', {}, row.name),
        h('td', {}, categoryNames.get(row.item.category_id) || ''), h('td', {}, row.price), h('td', {}, row.problem)))),
    h('div', { class: 'actions' }, save));
}
