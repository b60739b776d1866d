-- Owner dashboard views. security_invoker: a view reads its tables with the caller's rights, so
-- the same row-level security restricts every view to the caller's restaurant.

create or replace view public.sales_per_day with (security_invoker = true) as
select o.restaurant_id, o.business_date,
       count(*) as orders,
       sum(o.subtotal_cents) as subtotal_cents,
       sum(o.tax_cents) as tax_cents,
       sum(o.total_cents) as total_cents
  from public.orders o
 where o.status <> 'voided'
 group by o.restaurant_id, o.business_date;

create or replace view public.sales_per_hour with (security_invoker = true) as
select o.restaurant_id, o.business_date,
       extract(hour from o.created_at at time zone r.timezone)::int as hour,
       count(*) as orders,
       sum(o.total_cents) as total_cents
  from public.orders o
  join public.restaurants r on r.id = o.restaurant_id
 where o.status <> 'voided'
 group by o.restaurant_id, o.business_date, 3;

create or replace view public.item_counts with (security_invoker = true) as
select i.restaurant_id, o.business_date, i.menu_item_id, min(i.name) as name,
       sum(i.quantity) as quantity,
       sum(i.line_total_cents) as sales_cents
  from public.order_items i
  join public.orders o on o.restaurant_id = i.restaurant_id and o.id = i.order_id
 where o.status <> 'voided'
 group by i.restaurant_id, o.business_date, i.menu_item_id;

create or replace view public.ticket_times with (security_invoker = true) as
select t.restaurant_id, o.business_date, t.station,
       count(*) as tickets,
       percentile_cont(0.5) within group (order by extract(epoch from t.bumped_at - t.fired_at)) as p50_seconds,
       percentile_cont(0.9) within group (order by extract(epoch from t.bumped_at - t.fired_at)) as p90_seconds
  from public.tickets t
  join public.orders o on o.restaurant_id = t.restaurant_id and o.id = t.order_id
 where t.fired_at is not null and t.bumped_at is not null
 group by t.restaurant_id, o.business_date, t.station;

create or replace view public.voids with (security_invoker = true) as
select o.restaurant_id, o.business_date, o.id as order_id, o.number, o.void_reason, o.voided_at,
       o.total_cents, o.box_id
  from public.orders o
 where o.status = 'voided';

create or replace view public.orders_by_source with (security_invoker = true) as
select o.restaurant_id, o.business_date, o.source,
       count(*) as orders,
       sum(o.total_cents) filter (where o.status <> 'voided') as total_cents
  from public.orders o
 group by o.restaurant_id, o.business_date, o.source;

revoke all on public.sales_per_day, public.sales_per_hour, public.item_counts, public.ticket_times,
    public.voids, public.orders_by_source from anon;
grant select on public.sales_per_day, public.sales_per_hour, public.item_counts, public.ticket_times,
    public.voids, public.orders_by_source to authenticated;
