// Everything the page asks Supabase, with the owner's own session: row-level security decides
// which restaurants' rows come back. config.json holds the project URL and its publishable
// (anon) key, both public by design; nothing secret ever reaches this page.
let client = null;

export async function connect() {
  const response = await fetch('config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error('config.json is missing: copy config.example.json and fill it in');
  const config = await response.json();
  client = window.supabase.createClient(config.supabaseUrl, config.anonKey, {
    auth: { flowType: 'implicit', detectSessionInUrl: true, persistSession: true, autoRefreshToken: true },
  });
  return { config, auth: client.auth };
}

async function result(query) {
  const { data, error } = await query;
  if (error) throw Object.assign(new Error(error.message || 'the cloud refused the request'), { status: error.status ?? error.code });
  return data;
}

// range: {days} = the last N business days of each restaurant, or {from, to} = those dates.
export const report = (range) => result(client.rpc('owner_report', range.days
  ? { p_days: range.days } : { p_from: range.from, p_to: range.to }));

export const boxes = () => result(client.from('box_status').select('*').order('restaurant_id').order('name'));

export const menu = (restaurantId) => Promise.all([
  result(client.from('menu_categories').select('id,name').eq('restaurant_id', restaurantId).order('position').order('name')),
  result(client.from('menu_items').select('id,name,category_id,price_cents')
    .eq('restaurant_id', restaurantId).order('position').order('name')),
]);

export const saveMenu = (restaurantId, changes) => result(client.rpc('owner_save_menu',
  { p_restaurant: restaurantId, p_items: changes }));

const PAGE = 1000; // Supabase answers at most 1,000 rows a request by default

// Every row of a table or view for these restaurants and business days, page by page.
export async function allRows(relation, columns, restaurantIds, from, to, order) {
  const rows = [];
  for (let offset = 0; ; offset += PAGE) {
    let query = client.from(relation).select(columns).in('restaurant_id', restaurantIds)
      .gte('business_date', from).lte('business_date', to);
    for (const column of order) query = query.order(column);
    const page = await result(query.range(offset, offset + PAGE - 1));
    rows.push(...page);
    if (page.length < PAGE) return rows;
  }
}
