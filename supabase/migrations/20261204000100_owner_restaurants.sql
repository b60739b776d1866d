-- Owners of several restaurants. An owner's Supabase user lists its restaurants in app_metadata
-- (`restaurant_ids`: ["bistro-main", "bistro-port"]; the single `restaurant_id` of the first
-- migrations still works). A box's credential still names exactly one restaurant. Every policy
-- that lets a caller READ (or an owner edit the menu) now accepts any restaurant of the caller;
-- every policy that lets a BOX write is unchanged (its one restaurant, its own box_id).

create or replace function private.jwt_restaurant_ids() returns text[]
language sql stable
set search_path = ''
as $$
    select case
        -- a box: the one restaurant of its credential, whatever else the token says
        when auth.jwt() ? 'restaurant_id' then array[auth.jwt() ->> 'restaurant_id']
        else array(select distinct id
                     from (select jsonb_array_elements_text(
                                      case when jsonb_typeof(auth.jwt() -> 'app_metadata' -> 'restaurant_ids') = 'array'
                                           then auth.jwt() -> 'app_metadata' -> 'restaurant_ids' else '[]' end) as id
                           union all
                           select auth.jwt() -> 'app_metadata' ->> 'restaurant_id') ids
                    where id is not null)
    end
$$;

alter policy restaurant_read on public.restaurants
    using (id = any ((select private.jwt_restaurant_ids())::text[]));
alter policy restaurant_owner_update on public.restaurants
    using (id = any ((select private.jwt_restaurant_ids())::text[]) and (select private.jwt_box_id()) is null)
    with check (id = any ((select private.jwt_restaurant_ids())::text[]));
alter policy box_read on public.boxes
    using (restaurant_id = any ((select private.jwt_restaurant_ids())::text[]));
alter policy order_read on public.orders
    using (restaurant_id = any ((select private.jwt_restaurant_ids())::text[]));

do $$
declare
    t text;
begin
    foreach t in array array['stations', 'menu_categories', 'menu_items', 'modifier_groups',
                             'menu_item_modifier_groups', 'modifiers', 'item_availability'] loop
        execute format('alter policy same_restaurant on public.%I '
                       'using (restaurant_id = any ((select private.jwt_restaurant_ids())::text[])) '
                       'with check (restaurant_id = any ((select private.jwt_restaurant_ids())::text[]))', t);
    end loop;
    foreach t in array array['order_items', 'tickets', 'sync_events', 'sync_cursors'] loop
        execute format('alter policy read_same_restaurant on public.%I '
                       'using (restaurant_id = any ((select private.jwt_restaurant_ids())::text[]))', t);
    end loop;
end
$$;

-- The restaurant's business day starts at this local time (the box's `restaurant.day_starts_at`):
-- what "today" means for the dashboard, in the restaurant's own time zone.
alter table public.restaurants add column day_starts_at time not null default '04:00';
grant update (day_starts_at) on public.restaurants to authenticated;

create or replace function private.business_today(tz text, day_starts_at time) returns date
language sql stable
set search_path = ''
as $$
    select ((now() at time zone tz) - day_starts_at)::date
$$;
