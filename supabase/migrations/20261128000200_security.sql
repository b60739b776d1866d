-- Row-level security: a caller sees and changes only its own restaurant's rows.
-- A box's JWT carries `restaurant_id` and `box_id`; an owner's Supabase user carries
-- `restaurant_id` in app_metadata. Both are read through auth.jwt(), so Postgres itself enforces
-- isolation whichever way a row is reached (tables, views, functions).

create or replace function private.jwt_restaurant_id() returns text
language sql stable
set search_path = ''
as $$
    select coalesce(auth.jwt() ->> 'restaurant_id', auth.jwt() -> 'app_metadata' ->> 'restaurant_id')
$$;

create or replace function private.jwt_box_id() returns text
language sql stable
set search_path = ''
as $$
    select auth.jwt() ->> 'box_id'
$$;

-- Every menu change bumps the restaurant's menu_version once per transaction, so a box pulls a
-- whole edit (even of 1,000 items) as one new version. Security definer: a box or an owner may
-- edit the menu but may not update the restaurants row itself.
create or replace function private.bump_menu_version() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
    changed_restaurant text;
begin
    if tg_op = 'DELETE' then
        changed_restaurant := old.restaurant_id;
    else
        changed_restaurant := new.restaurant_id;
    end if;
    update public.restaurants
       set menu_version = menu_version + 1, menu_txid = txid_current()
     where id = changed_restaurant and menu_txid is distinct from txid_current();
    return null;
end
$$;
revoke all on function private.bump_menu_version() from public;

do $$
declare
    menu_table text;
begin
    foreach menu_table in array array['stations', 'menu_categories', 'menu_items', 'modifier_groups',
                                      'menu_item_modifier_groups', 'modifiers'] loop
        execute format('create trigger bump_menu_version after insert or update or delete on public.%I '
                       'for each row execute function private.bump_menu_version()', menu_table);
    end loop;
end
$$;

-- Anonymous callers get nothing at all; Supabase grants anon everything by default.
revoke all on all tables in schema public from anon;

do $$
declare
    t text;
begin
    foreach t in array array['restaurants', 'boxes', 'stations', 'menu_categories', 'menu_items',
                             'modifier_groups', 'menu_item_modifier_groups', 'modifiers',
                             'item_availability', 'orders', 'order_items', 'tickets', 'sync_events',
                             'sync_cursors'] loop
        -- enable, not force: the tables' owner is the project's administrator (and the owner of
        -- the security-definer menu-version trigger); every API role is held by the policies
        execute format('alter table public.%I enable row level security', t);
    end loop;
end
$$;

grant select on public.restaurants, public.boxes to authenticated;
grant update (name, timezone) on public.restaurants to authenticated;

create policy restaurant_read on public.restaurants for select to authenticated
    using (id = (select private.jwt_restaurant_id()));
create policy restaurant_owner_update on public.restaurants for update to authenticated
    using (id = (select private.jwt_restaurant_id()) and (select private.jwt_box_id()) is null)
    with check (id = (select private.jwt_restaurant_id()));

create policy box_read on public.boxes for select to authenticated
    using (restaurant_id = (select private.jwt_restaurant_id()));

-- The menu: the owner edits it (the cloud is its source of truth); a box may apply a price change
-- made on its Manage page. Both only within their restaurant.
do $$
declare
    t text;
begin
    foreach t in array array['stations', 'menu_categories', 'menu_items', 'modifier_groups',
                             'menu_item_modifier_groups', 'modifiers', 'item_availability'] loop
        execute format('grant select, insert, update, delete on public.%I to authenticated', t);
        execute format('create policy same_restaurant on public.%I for all to authenticated '
                       'using (restaurant_id = (select private.jwt_restaurant_id())) '
                       'with check (restaurant_id = (select private.jwt_restaurant_id()))', t);
    end loop;
end
$$;

-- Orders, items and tickets: everyone of the restaurant reads; only its boxes write (through
-- sync_push, which runs with the caller's rights so these policies apply to it too).
grant select, insert, update, delete on public.orders, public.order_items, public.tickets to authenticated;

create policy order_read on public.orders for select to authenticated
    using (restaurant_id = (select private.jwt_restaurant_id()));
create policy order_insert_by_box on public.orders for insert to authenticated
    with check (restaurant_id = (select private.jwt_restaurant_id()) and box_id = (select private.jwt_box_id()));
create policy order_update_by_box on public.orders for update to authenticated
    using (restaurant_id = (select private.jwt_restaurant_id()) and (select private.jwt_box_id()) is not null)
    with check (restaurant_id = (select private.jwt_restaurant_id()));

do $$
declare
    t text;
begin
    foreach t in array array['order_items', 'tickets'] loop
        execute format('create policy read_same_restaurant on public.%I for select to authenticated '
                       'using (restaurant_id = (select private.jwt_restaurant_id()))', t);
        execute format('create policy write_by_box on public.%I for all to authenticated '
                       'using (restaurant_id = (select private.jwt_restaurant_id()) and (select private.jwt_box_id()) is not null) '
                       'with check (restaurant_id = (select private.jwt_restaurant_id()) and (select private.jwt_box_id()) is not null)', t);
    end loop;
end
$$;

-- Raw events and cursors: a box writes only rows under its own box_id.
grant select, insert, update on public.sync_events, public.sync_cursors to authenticated;

do $$
declare
    t text;
begin
    foreach t in array array['sync_events', 'sync_cursors'] loop
        execute format('create policy read_same_restaurant on public.%I for select to authenticated '
                       'using (restaurant_id = (select private.jwt_restaurant_id()))', t);
        execute format('create policy insert_own_box on public.%I for insert to authenticated '
                       'with check (restaurant_id = (select private.jwt_restaurant_id()) and box_id = (select private.jwt_box_id()))', t);
        execute format('create policy update_own_box on public.%I for update to authenticated '
                       'using (restaurant_id = (select private.jwt_restaurant_id()) and box_id = (select private.jwt_box_id())) '
                       'with check (restaurant_id = (select private.jwt_restaurant_id()) and box_id = (select private.jwt_box_id()))', t);
    end loop;
end
$$;
