// Manage -> Menu: items grouped by category, a search, prices checked before they are sent (and
// a big change asked about), 86 / un-86. Rows, not a wide table, so a phone shows every control.
import { h, money } from './dom.js';
import { bigChange, parsePrice } from './manage-words.js';

let search = '';

// guarded(action, doneMessage) runs a change, reports it and redraws; ask(question) -> Promise<bool>.
export async function menuSection({ call, guarded, ask }) {
  const menu = await call('/api/v1/menu');
  const box = h('input', { type: 'search', class: 'm-search', placeholder: 'Search the menu', value: search,
    'aria-label': 'Search the menu', 'data-testid': 'menu-search', 'data-item': 'menu-search', autocomplete: 'off' });
  const groups = h('div', { class: 'm-groups' });
  const draw = () => {
    const wanted = search.trim().toLowerCase();
    const categories = [...menu.categories].sort((a, b) => a.position - b.position);
    const shown = categories.map((category) => {
      const items = menu.items.filter((i) => i.category_id === category.id && (!wanted || i.name.toLowerCase().includes(wanted)))
        .sort((a, b) => a.position - b.position);
      return items.length > 0 && h('section', { class: 'm-category', 'data-testid': `category-${category.id}` },
        h('h2', {}, category.name), items.map((item) => itemRow(item, { call, guarded, ask })));
    }).filter(Boolean);
    groups.replaceChildren(...(shown.length ? shown : [h('p', { class: 'm-none' }, `Nothing on the menu matches \u201c${search}\u201d.`)]));
  };
  box.addEventListener('input', () => { search = box.value; draw(); });
  draw();
  return h('div', { class: 'm-menu' }, box, groups);
}

function itemRow(item, { call, guarded, ask }) {
  const saved = (item.price_cents / 100).toFixed(2);
  const problem = h('p', { class: 'm-problem', role: 'alert', 'data-testid': `price-problem-${item.id}` });
  const price = h('input', { class: 'price', type: 'text', inputmode: 'decimal', autocomplete: 'off',
    'aria-label': `Price of ${item.name}`, value: saved, 'data-item': item.id, 'data-saved': saved,
    onkeydown: (event) => { if (event.key === 'Enter') savePrice(); } });
  const say = (text) => { problem.textContent = text; price.classList.toggle('wrong', Boolean(text)); };
  async function savePrice() {
    const { cents, problem: wrong } = parsePrice(price.value);
    if (wrong) { say(wrong); price.focus(); return; }
    say('');
    if (cents === item.price_cents) return;
    if (bigChange(item.price_cents, cents)) {
      const sure = await ask(`Change ${item.name} from ${money(item.price_cents)} to ${money(cents)}?`,
        cents === 0 ? `${item.name} would be free.` : `That is ${Math.round(Math.abs(cents - item.price_cents) * 100 / Math.max(item.price_cents, 1))} % ${cents > item.price_cents ? 'more' : 'less'} than now.`,
        'Yes, change the price');
      if (!sure) { price.value = saved; return; }
    }
    await guarded(() => call(`/api/v1/menu/items/${item.id}`, { method: 'PATCH', body: { price_cents: cents } }),
      `${item.name}: new price ${money(cents)} saved`);
  }
  return h('div', { class: item.available ? 'm-item' : 'm-item off', 'data-testid': `row-${item.id}` },
    h('span', { class: 'm-name' }, item.name, !item.available && h('small', {}, "86'd \u2014 not on sale")),
    h('span', { class: 'm-price' }, h('span', { class: 'm-dollar', 'aria-hidden': 'true' }, '$'), price,
      h('button', { type: 'button', onclick: savePrice }, 'Save')),
    h('button', { type: 'button', class: item.available ? 'danger m-86' : 'good m-86', 'data-testid': `toggle-${item.id}`,
      onclick: () => guarded(() => call(`/api/v1/menu/items/${item.id}`, { method: 'PATCH', body: { available: !item.available } }),
        item.available ? `${item.name} is 86'd` : `${item.name} is back on sale`) },
    item.available ? '86 it' : 'Un-86'),
    problem);
}
