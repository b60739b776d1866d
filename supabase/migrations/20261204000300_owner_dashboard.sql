-- What the owner's dashboard (supabase/dashboard) reads and writes. Everything is security
-- invoker: it reads the tables with the caller's rights, so row-level security limits it to the
-- caller's restaurants exactly as a direct table read would.

-- One restaurant's figures over business days [p_from, p_to], or, without dates, its last p_days
-- business days up to its own business today (in its time zone, from its day_starts_at: "today"
-- is not the same date in Paris and in Tokyo). Percentiles over the whole range, not per day.
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
        'voids', (select jsonb_build_object('orders', count(*), 'total_cents', coalesce(sum(total_cents), 0))
                    from day_orders where status = 'voided'),
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
                                     from (select i.menu_item_id, min(i.name) as name, sum(i.quantity) as quantity,
                                                  sum(i.line_total_cents) as sales
                                             from public.order_items i join sold on sold.id = i.order_id
                                            where i.restaurant_id = r.id
                                            group by i.menu_item_id) s
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

-- The dashboard's one read for figures: every restaurant the caller may see (or those named).
create or replace function public.owner_report(p_from date default null, p_to date default null,
                                               p_days int default null, p_restaurants text[] default null)
returns jsonb
language plpgsql stable security invoker
set search_path = ''
as $$
begin
    if p_from is not null and p_to is not null and p_to < p_from then
        raise exception 'the range ends (%) before it starts (%)', p_to, p_from using errcode = '22023';
    end if;
    if (p_from is not null and coalesce(p_to, p_from) - p_from > 366) or p_days not between 1 and 366 then
        raise exception 'a report covers 1 to 366 days' using errcode = '22023';
    end if;
    return coalesce((select jsonb_agg(private.restaurant_report(r, p_from, p_to, p_days) order by r.name, r.id)
                       from public.restaurants r
                      where p_restaurants is null or r.id = any (p_restaurants)), '[]');
end
$$;

-- Order lines with their order's business day, for the CSV export (order_items has no foreign
-- key to orders, so PostgREST cannot embed them).
create or replace view public.order_lines with (security_invoker = true) as
select i.restaurant_id, o.business_date, o.number as order_number, i.order_id, o.status as order_status,
       o.source, i.id as item_id, i.menu_item_id, i.name, i.station, i.quantity, i.unit_price_cents,
       i.line_total_cents, i.tax_rate_bp
  from public.order_items i
  join public.orders o on o.restaurant_id = i.restaurant_id and o.id = i.order_id;

-- Menu edits from the dashboard: every change of one save in one transaction, so the boxes see
-- one new menu version per save. Same rules as the box's Manage page: a price is whole cents,
-- not negative, at most $10,000.00; a name is 1-80 characters.
create or replace function public.owner_save_menu(p_restaurant text, p_items jsonb) returns jsonb
language plpgsql security invoker
set search_path = ''
as $$
declare
    change jsonb;
    problems text[] := '{}';
    updated int := 0;
    rows_changed int;
begin
    if private.jwt_box_id() is not null then
        raise exception 'boxes change the menu through sync_push' using errcode = '42501';
    end if;
    if not exists (select 1 from public.restaurants r where r.id = p_restaurant) then
        raise exception 'restaurant % is not one of yours', p_restaurant using errcode = '42501';
    end if;
    if jsonb_typeof(p_items) is distinct from 'array' or jsonb_array_length(p_items) = 0 then
        raise exception 'items must be a non-empty JSON array' using errcode = '22023';
    end if;
    for change in select * from jsonb_array_elements(p_items) loop
        problems := problems || private.menu_change_problem(change);
    end loop;
    if cardinality(problems) > 0 then
        raise exception 'the menu was not saved: %', array_to_string(problems, '; ') using errcode = '22023';
    end if;
    for change in select * from jsonb_array_elements(p_items) loop
        update public.menu_items m
           set price_cents = coalesce((change ->> 'price_cents')::int, m.price_cents),
               name = coalesce(btrim(change ->> 'name'), m.name)
         where m.restaurant_id = p_restaurant and m.id = change ->> 'id'
           and (m.price_cents, m.name) is distinct from
               (coalesce((change ->> 'price_cents')::int, m.price_cents), coalesce(btrim(change ->> 'name'), m.name));
        get diagnostics rows_changed = row_count;
        if rows_changed = 0 and not exists (select 1 from public.menu_items m
                                             where m.restaurant_id = p_restaurant and m.id = change ->> 'id') then
            raise exception 'no menu item % in restaurant %', change ->> 'id', p_restaurant using errcode = '22023';
        end if;
        updated := updated + rows_changed;
    end loop;
    return jsonb_build_object('updated', updated,
                              'menu_version', (select r.menu_version from public.restaurants r where r.id = p_restaurant));
end
$$;

create or replace function private.menu_change_problem(change jsonb) returns text[]
language sql immutable
set search_path = ''
as $$
    select array_remove(array[
        case when jsonb_typeof(change) is distinct from 'object' or coalesce(change ->> 'id', '') = ''
             then 'every change needs an item id' end,
        case when change ? 'price_cents' and (jsonb_typeof(change -> 'price_cents') is distinct from 'number'
                                              or (change ->> 'price_cents') !~ '^\d{1,7}$'
                                              or (change ->> 'price_cents')::int > 1000000)
             then format('%s: a price is whole cents from 0 to 1000000 ($10,000.00), not %s',
                         change ->> 'id', coalesce(change ->> 'price_cents', 'empty')) end,
        case when change ? 'name' and (jsonb_typeof(change -> 'name') is distinct from 'string'
                                       or length(btrim(change ->> 'name')) not between 1 and 80)
             then format('%s: a name has 1 to 80 characters', change ->> 'id') end], null)
$$;

revoke all on function public.owner_report(date, date, int, text[]), public.owner_save_menu(text, jsonb),
    private.restaurant_report(public.restaurants, date, date, int) from public, anon;
grant execute on function public.owner_report(date, date, int, text[]), public.owner_save_menu(text, jsonb),
    private.restaurant_report(public.restaurants, date, date, int) to authenticated;
revoke all on public.order_lines from anon;
grant select on public.order_lines to authenticated;
