-- Items voided after Send (an amendment on the box: POST /orders/{id}/items/void) reach the cloud.
-- The box's order snapshot has always carried each line's voided_at, void_reason and amendment_id
-- (the add-items amendment that brought it); the cloud dropped them, so the owner's item counts
-- included voided lines (the order totals, computed on the box, were right). Now order_items keeps
-- them, sync_apply_orders copies them, and the owner's figures count only live lines.
-- Nothing changes for the boxes: the events are the same, and a box that never voids a line sends
-- snapshots whose lines have no voided_at, stored as null.

alter table public.order_items
    add column if not exists voided_at timestamptz,
    add column if not exists void_reason text,
    add column if not exists amendment_id text;

-- Same as in 20261128000300_sync_functions.sql, plus the three item columns (also in the test
-- that skips an unchanged line: a snapshot that only voids a line must still rewrite it).
create or replace function private.sync_apply_orders(p_restaurant text, p_box text, p_events jsonb, p_seqs bigint[])
returns int
language plpgsql security invoker
set search_path = ''
as $$
declare
    winners jsonb;
    applied text[];
begin
    select coalesce(jsonb_agg(jsonb_build_object('seq', best.seq, 'hlc', best.hlc, 'o', best.snapshot)
                              order by best.snapshot ->> 'id'), '[]')
      into winners
      from (select distinct on (e -> 'data' -> 'order' ->> 'id')
                   (e ->> 'seq')::bigint as seq, e ->> 'hlc' as hlc, e -> 'data' -> 'order' as snapshot
              from jsonb_array_elements(p_events) e
             where (e ->> 'seq')::bigint = any (p_seqs)
             order by e -> 'data' -> 'order' ->> 'id',
                      (e -> 'data' -> 'order' ->> 'status' in ('completed', 'voided')) desc,
                      e ->> 'hlc' collate "C" desc) best;

    with incoming as (
        select (x ->> 'seq')::bigint as seq, x ->> 'hlc' as hlc, x -> 'o' as o from jsonb_array_elements(winners) x
    ), upserted as (
        insert into public.orders as stored (
            restaurant_id, id, box_id, number, business_date, client_order_id, source, type, table_label,
            customer_name, notes, status, void_reason, created_by, created_at, fired_at, ready_at,
            completed_at, voided_at, subtotal_cents, tax_cents, total_cents, hlc, updated_seq)
        select p_restaurant, o ->> 'id', p_box, (o ->> 'number')::int, (o ->> 'business_date')::date,
               o ->> 'client_order_id', o ->> 'source', o ->> 'type', o ->> 'table', o ->> 'customer_name',
               o ->> 'notes', o ->> 'status', o ->> 'void_reason', o ->> 'created_by',
               (o ->> 'created_at')::timestamptz, (o ->> 'fired_at')::timestamptz, (o ->> 'ready_at')::timestamptz,
               (o ->> 'completed_at')::timestamptz, (o ->> 'voided_at')::timestamptz,
               (o ->> 'subtotal_cents')::bigint, (o ->> 'tax_cents')::bigint, (o ->> 'total_cents')::bigint,
               hlc, seq
          from incoming
        on conflict (restaurant_id, id) do update set
            number = excluded.number, business_date = excluded.business_date,
            client_order_id = excluded.client_order_id, source = excluded.source, type = excluded.type,
            table_label = excluded.table_label, customer_name = excluded.customer_name,
            notes = excluded.notes, status = excluded.status, void_reason = excluded.void_reason,
            created_by = excluded.created_by, created_at = excluded.created_at,
            fired_at = excluded.fired_at, ready_at = excluded.ready_at,
            completed_at = excluded.completed_at, voided_at = excluded.voided_at,
            subtotal_cents = excluded.subtotal_cents, tax_cents = excluded.tax_cents,
            total_cents = excluded.total_cents, hlc = excluded.hlc, updated_seq = excluded.updated_seq,
            received_at = now()
        where (stored.status in ('completed', 'voided'), stored.hlc)
            < (excluded.status in ('completed', 'voided'), excluded.hlc)
        returning stored.id
    )
    select coalesce(array_agg(id), '{}') into applied from upserted;
    if cardinality(applied) = 0 then
        return 0;
    end if;

    delete from public.order_items i
     where i.restaurant_id = p_restaurant and i.order_id = any (applied)
       and (i.order_id, i.id) not in (select x -> 'o' ->> 'id', item ->> 'id'
                                        from jsonb_array_elements(winners) x,
                                             jsonb_array_elements(x -> 'o' -> 'items') item);
    insert into public.order_items as i_stored (
        restaurant_id, order_id, id, menu_item_id, name, station, quantity, unit_price_cents,
        modifiers, notes, course, line_total_cents, tax_rate_bp, done_at, voided_at, void_reason, amendment_id)
    select p_restaurant, x -> 'o' ->> 'id', i.id, i.menu_item_id, i.name, i.station, i.quantity,
           i.unit_price_cents, coalesce(i.modifiers, '[]'), i.notes, coalesce(i.course, 1),
           i.line_total_cents, coalesce(i.tax_rate_bp, 0), i.done_at, i.voided_at, i.void_reason, i.amendment_id
      from jsonb_array_elements(winners) x
     cross join lateral jsonb_to_recordset(x -> 'o' -> 'items') as i(
           id text, menu_item_id text, name text, station text, quantity int, unit_price_cents int,
           modifiers jsonb, notes text, course int, line_total_cents bigint, tax_rate_bp int,
           done_at timestamptz, voided_at timestamptz, void_reason text, amendment_id text)
     where x -> 'o' ->> 'id' = any (applied)
    on conflict (restaurant_id, order_id, id) do update set
        menu_item_id = excluded.menu_item_id, name = excluded.name, station = excluded.station,
        quantity = excluded.quantity, unit_price_cents = excluded.unit_price_cents,
        modifiers = excluded.modifiers, notes = excluded.notes, course = excluded.course,
        line_total_cents = excluded.line_total_cents, tax_rate_bp = excluded.tax_rate_bp,
        done_at = excluded.done_at, voided_at = excluded.voided_at, void_reason = excluded.void_reason,
        amendment_id = excluded.amendment_id
    -- most snapshots leave most items as they were: rewriting them would only bloat the table
    where (i_stored.menu_item_id, i_stored.name, i_stored.station, i_stored.quantity, i_stored.unit_price_cents,
           i_stored.modifiers, i_stored.notes, i_stored.course, i_stored.line_total_cents, i_stored.tax_rate_bp,
           i_stored.done_at, i_stored.voided_at, i_stored.void_reason, i_stored.amendment_id)
          is distinct from
          (excluded.menu_item_id, excluded.name, excluded.station, excluded.quantity, excluded.unit_price_cents,
           excluded.modifiers, excluded.notes, excluded.course, excluded.line_total_cents, excluded.tax_rate_bp,
           excluded.done_at, excluded.voided_at, excluded.void_reason, excluded.amendment_id);

    delete from public.tickets t
     where t.restaurant_id = p_restaurant and t.order_id = any (applied)
       and (t.order_id, t.id) not in (select x -> 'o' ->> 'id', ticket ->> 'id'
                                        from jsonb_array_elements(winners) x,
                                             jsonb_array_elements(x -> 'o' -> 'tickets') ticket);
    insert into public.tickets as t_stored (
        restaurant_id, order_id, id, station, status, fired_at, started_at, bumped_at, item_ids)
    select p_restaurant, x -> 'o' ->> 'id', t.id, t.station, t.status, t.fired_at, t.started_at, t.bumped_at,
           array(select jsonb_array_elements_text(coalesce(t.item_ids, '[]')))
      from jsonb_array_elements(winners) x
     cross join lateral jsonb_to_recordset(x -> 'o' -> 'tickets') as t(
           id text, station text, status text, fired_at timestamptz, started_at timestamptz,
           bumped_at timestamptz, item_ids jsonb)
     where x -> 'o' ->> 'id' = any (applied)
    on conflict (restaurant_id, order_id, id) do update set
        station = excluded.station, status = excluded.status, fired_at = excluded.fired_at,
        started_at = excluded.started_at, bumped_at = excluded.bumped_at, item_ids = excluded.item_ids
    where (t_stored.station, t_stored.status, t_stored.fired_at, t_stored.started_at, t_stored.bumped_at, t_stored.item_ids)
          is distinct from
          (excluded.station, excluded.status, excluded.fired_at, excluded.started_at, excluded.bumped_at, excluded.item_ids);
    return cardinality(applied);
end
$$;

-- Lines synced before this migration: take the three fields from the snapshot each order row
-- holds (the stored event with the order's seq and HLC stamp; an HLC stamp names one event).
update public.order_items i
   set voided_at = (line ->> 'voided_at')::timestamptz, void_reason = line ->> 'void_reason',
       amendment_id = line ->> 'amendment_id'
  from public.orders o
  join public.sync_events e on e.restaurant_id = o.restaurant_id and e.seq = o.updated_seq and e.hlc = o.hlc
 cross join lateral jsonb_array_elements(e.data -> 'order' -> 'items') line
 where i.restaurant_id = o.restaurant_id and i.order_id = o.id and i.id = line ->> 'id'
   and (line ->> 'voided_at' is not null or line ->> 'amendment_id' is not null)
   and (i.voided_at, i.void_reason, i.amendment_id) is distinct from
       ((line ->> 'voided_at')::timestamptz, line ->> 'void_reason', line ->> 'amendment_id');

-- The report of 20261204000300_owner_dashboard.sql: item counts, top and least sold items and
-- sales per item count live lines only; `voids` keeps its two keys and gains the voided lines.
create or replace function private.restaurant_report(r public.restaurants, p_from date, p_to date, p_days int)
returns jsonb
language plpgsql stable security invoker
set search_path = ''
as $$
declare
    today date := private.business_today(r.timezone, r.day_starts_at);
    first_day date := coalesce(p_from, today - (greatest(coalesce(p_days, 1), 1) - 1));
    last_day date := coalesce(p_to, p_from, today);
begin
    -- the dates are known before the query is planned, so a day's report looks up that day's
    -- orders, items and tickets by index instead of reading every row of the restaurant
    return (
    with day_orders as (
        select o.* from public.orders o
         where o.restaurant_id = r.id and o.business_date between first_day and last_day
    ), sold as (
        select * from day_orders where status <> 'voided'
    ), day_lines as (
        select i.*, o.status as order_status, o.void_reason as order_void_reason
          from public.order_items i join day_orders o on o.id = i.order_id
         where i.restaurant_id = r.id
    ), sold_lines as (
        select * from day_lines where order_status <> 'voided' and voided_at is null
    ), voided_lines as (
        -- what was voided: lines voided from an order, and the lines of orders voided whole
        -- (a line voided before its order was is counted once, as a line)
        select *, coalesce(void_reason, order_void_reason) as reason
          from day_lines where voided_at is not null or order_status = 'voided'
    )
    select jsonb_build_object(
        'restaurant_id', r.id, 'name', r.name, 'timezone', r.timezone,
        'day_starts_at', to_char(r.day_starts_at, 'HH24:MI'),
        'business_today', today,
        'from', first_day, 'to', last_day,
        'totals', (select jsonb_build_object(
                       'orders', count(*),
                       'net_sales_cents', coalesce(sum(subtotal_cents), 0),
                       'tax_cents', coalesce(sum(tax_cents), 0),
                       'gross_sales_cents', coalesce(sum(total_cents), 0),
                       'average_ticket_cents', coalesce(round(avg(total_cents))::bigint, 0))
                     from sold),
        -- orders voided whole (their total, tax included, as before), lines voided from orders
        -- (before tax, like net sales), and what was voided, item by item, with the reasons
        'voids', (select jsonb_build_object('orders', count(*), 'total_cents', coalesce(sum(total_cents), 0))
                    from day_orders where status = 'voided')
              || (select jsonb_build_object('lines', count(*), 'lines_quantity', coalesce(sum(quantity), 0),
                                            'lines_net_cents', coalesce(sum(line_total_cents), 0))
                    from day_lines where voided_at is not null)
              || jsonb_build_object('items', coalesce((
                     select jsonb_agg(jsonb_build_object('menu_item_id', menu_item_id, 'name', name,
                                                         'quantity', quantity, 'net_cents', net, 'reasons', reasons)
                                      order by net desc, quantity desc, name)
                       from (select menu_item_id, min(name) as name, sum(quantity) as quantity,
                                    sum(line_total_cents) as net,
                                    coalesce(to_jsonb(array_agg(distinct reason order by reason)
                                                      filter (where reason is not null)), '[]') as reasons
                               from voided_lines group by menu_item_id) what), '[]')),
        'per_hour', coalesce((select jsonb_agg(jsonb_build_object('hour', hour, 'orders', orders, 'total_cents', total)
                                               order by hour)
                                from (select extract(hour from created_at at time zone r.timezone)::int as hour,
                                             count(*) as orders, sum(total_cents) as total
                                        from sold group by 1) hours), '[]'),
        -- every item on the menu, sold or not: the bottom of the list is what nobody orders
        'items', coalesce((select jsonb_agg(jsonb_build_object('menu_item_id', id, 'name', name, 'quantity', quantity,
                                                                'sales_cents', sales) order by quantity desc, sales desc, name)
                             from (select coalesce(s.menu_item_id, m.id) as id, coalesce(m.name, s.name) as name,
                                          coalesce(s.quantity, 0) as quantity, coalesce(s.sales, 0) as sales
                                     from (select menu_item_id, min(name) as name, sum(quantity) as quantity,
                                                  sum(line_total_cents) as sales
                                             from sold_lines group by menu_item_id) s
                                     full join (select id, name from public.menu_items where restaurant_id = r.id) m
                                       on m.id = s.menu_item_id) items), '[]'),
        'stations', coalesce((select jsonb_agg(jsonb_build_object('station', station, 'tickets', tickets,
                                                                   'p50_seconds', p50, 'p90_seconds', p90) order by station)
                                from (select t.station, count(*) as tickets,
                                             round(percentile_cont(0.5) within group (order by extract(epoch from t.bumped_at - t.fired_at))::numeric, 1) as p50,
                                             round(percentile_cont(0.9) within group (order by extract(epoch from t.bumped_at - t.fired_at))::numeric, 1) as p90
                                        from public.tickets t join day_orders o on o.id = t.order_id
                                       where t.restaurant_id = r.id and t.fired_at is not null and t.bumped_at is not null
                                       group by t.station) st), '[]'),
        'sources', coalesce((select jsonb_agg(jsonb_build_object('source', source, 'orders', orders, 'total_cents', total)
                                              order by source)
                               from (select source, count(*) as orders, sum(total_cents) as total
                                       from sold group by source) so), '[]')));
end
$$;

-- The owner views of 20261128000400 and 20261204000300, with voided lines left out of the counts
-- (item_counts) or marked (order_lines, for the CSV export: new columns at the end).
create or replace view public.item_counts with (security_invoker = true) as
select i.restaurant_id, o.business_date, i.menu_item_id, min(i.name) as name,
       sum(i.quantity) as quantity,
       sum(i.line_total_cents) as sales_cents
  from public.order_items i
  join public.orders o on o.restaurant_id = i.restaurant_id and o.id = i.order_id
 where o.status <> 'voided' and i.voided_at is null
 group by i.restaurant_id, o.business_date, i.menu_item_id;

create or replace view public.order_lines with (security_invoker = true) as
select i.restaurant_id, o.business_date, o.number as order_number, i.order_id, o.status as order_status,
       o.source, i.id as item_id, i.menu_item_id, i.name, i.station, i.quantity, i.unit_price_cents,
       i.line_total_cents, i.tax_rate_bp, i.voided_at, i.void_reason, i.amendment_id
  from public.order_items i
  join public.orders o on o.restaurant_id = i.restaurant_id and o.id = i.order_id;

-- Lines voided from orders that stayed (the `voids` view lists orders voided whole).
create or replace view public.item_voids with (security_invoker = true) as
select i.restaurant_id, o.business_date, o.number as order_number, i.order_id, i.id as item_id, i.menu_item_id,
       i.name, i.quantity, i.line_total_cents, i.void_reason, i.voided_at, o.box_id
  from public.order_items i
  join public.orders o on o.restaurant_id = i.restaurant_id and o.id = i.order_id
 where i.voided_at is not null;

revoke all on public.item_voids from anon;
grant select on public.item_voids to authenticated;
