-- sync_push: one call = one transaction = one batch of a box's event log.
-- sync_pull_menu: the caller's whole menu when it is newer than the box's version.
-- Both run with the caller's rights (security invoker), so row-level security applies to
-- everything they read and write.

create or replace function private.sync_timestamptz(value text) returns timestamptz
language sql immutable
set search_path = ''
as $$
    select case when value ~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$'
                then value::timestamptz end
$$;

-- Why the cloud cannot accept an event, or null when it can.
create or replace function private.sync_event_problem(ev jsonb, caller_box text) returns text
language sql immutable
set search_path = ''
as $$
    select case
        when coalesce(ev ->> 'id', '') = '' then 'event has no id'
        when coalesce(ev ->> 'type', '') = '' then 'event has no type'
        when coalesce(ev ->> 'hlc', '') !~ '^\d{15}-\d{6}-.+$' then 'event hlc is missing or malformed'
        when ev ? 'box_id' and ev ->> 'box_id' is distinct from caller_box
            then format('event box_id %s is not the pushing box %s', ev ->> 'box_id', caller_box)
        when jsonb_typeof(ev -> 'data') is distinct from 'object' then 'event data is not an object'
        when ev ? 'at' and ev ->> 'at' is not null and private.sync_timestamptz(ev ->> 'at') is null
            then format('event at %s is not an ISO timestamp', ev ->> 'at')
        when split_part(ev ->> 'type', '.', 1) in ('order', 'ticket') then case
            when jsonb_typeof(ev -> 'data' -> 'order') is distinct from 'object'
                then 'order event without a data.order snapshot'
            when coalesce(ev -> 'data' -> 'order' ->> 'id', '') = '' then 'order snapshot has no id'
            when jsonb_typeof(ev -> 'data' -> 'order' -> 'items') is distinct from 'array'
              or jsonb_typeof(ev -> 'data' -> 'order' -> 'tickets') is distinct from 'array'
                then 'order snapshot has no items or tickets array'
            end
        when ev ->> 'type' = 'menu.item_updated'
         and jsonb_typeof(ev -> 'data' -> 'item') is distinct from 'object'
            then 'menu.item_updated without data.item'
    end
$$;

-- Apply the order snapshots of these events: per order, the best-ranked snapshot among them,
-- and only if it outranks the stored one. The rank is (final status, HLC stamp): the newer stamp
-- wins, and a completed or voided order never goes back because an older (or a stale box's)
-- event arrived late. Set-based, so a batch of 500 events costs a handful of statements; the
-- rank test sits in ON CONFLICT ... WHERE, which re-checks the row under its lock, so two boxes
-- pushing the same order at once still converge. Reads the snapshots from the pushed events
-- themselves (p_events, those of p_seqs), not back from the table. Returns how many orders changed.
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
        modifiers, notes, course, line_total_cents, tax_rate_bp, done_at)
    select p_restaurant, x -> 'o' ->> 'id', i.id, i.menu_item_id, i.name, i.station, i.quantity,
           i.unit_price_cents, coalesce(i.modifiers, '[]'), i.notes, coalesce(i.course, 1),
           i.line_total_cents, coalesce(i.tax_rate_bp, 0), i.done_at
      from jsonb_array_elements(winners) x
     cross join lateral jsonb_to_recordset(x -> 'o' -> 'items') as i(
           id text, menu_item_id text, name text, station text, quantity int, unit_price_cents int,
           modifiers jsonb, notes text, course int, line_total_cents bigint, tax_rate_bp int,
           done_at timestamptz)
     where x -> 'o' ->> 'id' = any (applied)
    on conflict (restaurant_id, order_id, id) do update set
        menu_item_id = excluded.menu_item_id, name = excluded.name, station = excluded.station,
        quantity = excluded.quantity, unit_price_cents = excluded.unit_price_cents,
        modifiers = excluded.modifiers, notes = excluded.notes, course = excluded.course,
        line_total_cents = excluded.line_total_cents, tax_rate_bp = excluded.tax_rate_bp,
        done_at = excluded.done_at
    -- most snapshots leave most items as they were: rewriting them would only bloat the table
    where (i_stored.menu_item_id, i_stored.name, i_stored.station, i_stored.quantity, i_stored.unit_price_cents,
           i_stored.modifiers, i_stored.notes, i_stored.course, i_stored.line_total_cents, i_stored.tax_rate_bp,
           i_stored.done_at)
          is distinct from
          (excluded.menu_item_id, excluded.name, excluded.station, excluded.quantity, excluded.unit_price_cents,
           excluded.modifiers, excluded.notes, excluded.course, excluded.line_total_cents, excluded.tax_rate_bp,
           excluded.done_at);

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

-- A price change made on the box goes into the cloud menu (bumping its version); the 86 state
-- is the box's and is only recorded, newest stamp first.
create or replace function private.sync_apply_menu_item(p_restaurant text, p_box text, ev_data jsonb, p_hlc text)
returns void
language plpgsql security invoker
set search_path = ''
as $$
declare
    item jsonb := ev_data -> 'item';
    changes jsonb := coalesce(ev_data -> 'changes', '{}');
begin
    if changes ? 'price_cents' then
        update public.menu_items set price_cents = (item ->> 'price_cents')::int
         where restaurant_id = p_restaurant and id = item ->> 'id'
           and price_cents is distinct from (item ->> 'price_cents')::int;
    end if;
    if changes ? 'available' then
        insert into public.item_availability as known (restaurant_id, item_id, available, box_id, hlc)
        values (p_restaurant, item ->> 'id', (item ->> 'available')::boolean, p_box, p_hlc)
        on conflict (restaurant_id, item_id) do update
            set available = excluded.available, box_id = excluded.box_id, hlc = excluded.hlc
          where known.hlc < excluded.hlc;
    end if;
end
$$;

-- Transient failures must fail the whole call (the box retries it); anything else about one
-- event rejects that event only.
create or replace function private.sync_is_transient(state text) returns boolean
language sql immutable
set search_path = ''
as $$
    select left(state, 2) in ('40', '53', '57', '08', '55')
$$;

-- One event failed to apply: refuse it with the reason, unless the failure is transient (then
-- the whole call fails with the same error, and the box retries the batch).
create or replace function private.sync_reject_event(p_box text, p_seq bigint, p_state text, p_message text)
returns void
language plpgsql security invoker
set search_path = ''
as $$
begin
    if private.sync_is_transient(p_state) then
        raise exception using errcode = p_state, message = p_message;
    end if;
    update public.sync_events s set rejected_reason = format('%s (SQLSTATE %s)', p_message, p_state)
     where s.box_id = p_box and s.seq = p_seq;
end
$$;

create or replace function public.sync_push(box_id text, events jsonb) returns jsonb
language plpgsql security invoker
set search_path = ''
as $$
declare
    caller_box text := private.jwt_box_id();
    caller_restaurant text := private.jwt_restaurant_id();
    acked bigint;
    stored_seqs bigint[];    -- new events stored by this call
    retried_seqs bigint[];   -- events the cloud refused before, sent again from dead letters
    order_seqs bigint[];     -- the acceptable order/ticket events among both
    menu_seqs bigint[];
    rejected jsonb := '[]';
    reused jsonb := '[]';    -- seqs that already hold a different event
    refusals boolean;        -- whether any event of this call may have been refused
    current_order text;
    ev record;
begin
    perform private.sync_check_caller(sync_push.box_id, caller_box, caller_restaurant, events);

    insert into public.sync_cursors (box_id, restaurant_id) values (caller_box, caller_restaurant)
        on conflict do nothing;
    select c.acked_seq into acked from public.sync_cursors c where c.box_id = caller_box for update;

    -- Each (box_id, seq) is stored once: a retried batch finds its events there and skips them
    -- (normally everything at or below the cursor). A refused event is stored with its reason.
    with incoming as (
        select distinct on ((e ->> 'seq')::bigint) (e ->> 'seq')::bigint as seq, e,
               private.sync_event_problem(e, caller_box) as problem
          from jsonb_array_elements(events) e
         order by (e ->> 'seq')::bigint
    ), stored as (
        insert into public.sync_events (box_id, seq, restaurant_id, id, type, data, at, hlc, stations, rejected_reason)
        select caller_box, seq, caller_restaurant, coalesce(e ->> 'id', ''), coalesce(e ->> 'type', ''),
               coalesce(e -> 'data', 'null'), private.sync_timestamptz(e ->> 'at'), coalesce(e ->> 'hlc', ''),
               case when jsonb_typeof(e -> 'stations') = 'array'
                    then array(select jsonb_array_elements_text(e -> 'stations')) else '{}' end,
               problem
          from incoming
        on conflict do nothing
        returning seq, type, rejected_reason
    )
    select coalesce(array_agg(seq), '{}'),
           coalesce(array_agg(seq) filter (where rejected_reason is null and split_part(type, '.', 1) in ('order', 'ticket')), '{}'),
           coalesce(array_agg(seq) filter (where rejected_reason is null and type = 'menu.item_updated'), '{}'),
           coalesce(bool_or(rejected_reason is not null), false)
      into stored_seqs, order_seqs, menu_seqs, refusals
      from stored;

    -- Retries only happen when the cloud refused something of this box before (partial index).
    if exists (select 1 from public.sync_events r where r.box_id = caller_box and r.rejected_reason is not null
                                                 and r.seq <> all (stored_seqs)) then
    with retried as (
        update public.sync_events s
           set id = coalesce(e ->> 'id', ''), type = coalesce(e ->> 'type', ''), data = coalesce(e -> 'data', 'null'),
               at = private.sync_timestamptz(e ->> 'at'), hlc = coalesce(e ->> 'hlc', ''),
               rejected_reason = private.sync_event_problem(e, caller_box), received_at = now()
          from jsonb_array_elements(events) e
         where s.box_id = caller_box and s.seq = (e ->> 'seq')::bigint
           and s.rejected_reason is not null and s.seq <> all (stored_seqs)
        returning s.seq, s.type, s.rejected_reason
    )
    select coalesce(array_agg(seq), '{}'),
           order_seqs || coalesce(array_agg(seq) filter (where rejected_reason is null and split_part(type, '.', 1) in ('order', 'ticket')), '{}'),
           menu_seqs || coalesce(array_agg(seq) filter (where rejected_reason is null and type = 'menu.item_updated'), '{}')
      into retried_seqs, order_seqs, menu_seqs
      from retried;
    refusals := refusals or cardinality(retried_seqs) > 0;
    else
        retried_seqs := '{}';
    end if;

    -- A "duplicate" must be the same event: a seq that already holds another event means the
    -- box's database was replaced (restored from an old backup, reinstalled) and is reusing
    -- numbers. Those events are refused loudly rather than skipped as duplicates and lost.
    if cardinality(stored_seqs) + cardinality(retried_seqs) < jsonb_array_length(events) then
        select coalesce(jsonb_agg(jsonb_build_object(
                   'seq', s.seq, 'id', e ->> 'id',
                   'reason', format('seq %s already holds another event (%s) from this box: was its database '
                                    'replaced? The cloud keeps the first one', s.seq, s.id)) order by s.seq), '[]')
          into reused
          from jsonb_array_elements(events) e
          join public.sync_events s on s.box_id = caller_box and s.seq = (e ->> 'seq')::bigint
         where s.id is distinct from e ->> 'id';
    end if;

    -- Apply all order snapshots at once; if that fails, find the culprits one order at a time
    -- (best snapshot first) so one bad event cannot hold back the rest of the batch.
    begin
        perform private.sync_apply_orders(caller_restaurant, caller_box, events, order_seqs);
    exception when others then
        if private.sync_is_transient(sqlstate) then
            raise;
        end if;
        refusals := true;
        for ev in
            select s.seq, s.data -> 'order' ->> 'id' as order_id
              from public.sync_events s
             where s.box_id = caller_box and s.seq = any (order_seqs)
             order by order_id, (s.data -> 'order' ->> 'status' in ('completed', 'voided')) desc, s.hlc desc
        loop
            continue when ev.order_id = current_order;
            begin
                perform private.sync_apply_orders(caller_restaurant, caller_box, events, array[ev.seq]);
                current_order := ev.order_id;
            exception when others then
                perform private.sync_reject_event(caller_box, ev.seq, sqlstate, sqlerrm);
            end;
        end loop;
    end;

    for ev in
        select s.seq, s.hlc, s.data
          from public.sync_events s
         where s.box_id = caller_box and s.seq = any (menu_seqs)
         order by s.hlc
    loop
        begin
            perform private.sync_apply_menu_item(caller_restaurant, caller_box, ev.data, ev.hlc);
        exception when others then
            perform private.sync_reject_event(caller_box, ev.seq, sqlstate, sqlerrm);
            refusals := true;
        end;
    end loop;

    update public.sync_cursors c
       set acked_seq = greatest(acked, (select max((e ->> 'seq')::bigint) from jsonb_array_elements(events) e)),
           pushed_at = now()
     where c.box_id = caller_box
    returning c.acked_seq into acked;

    if refusals then
        select coalesce(jsonb_agg(jsonb_build_object('seq', s.seq, 'id', s.id, 'reason', s.rejected_reason) order by s.seq), '[]')
          into rejected
          from public.sync_events s
         where s.box_id = caller_box and s.seq = any (stored_seqs || retried_seqs) and s.rejected_reason is not null;
    end if;

    return jsonb_build_object(
        'cursor', acked,
        'accepted', cardinality(stored_seqs) + cardinality(retried_seqs) - jsonb_array_length(rejected),
        'duplicates', jsonb_array_length(events) - cardinality(stored_seqs) - cardinality(retried_seqs)
                      - jsonb_array_length(reused),
        'rejected', rejected || reused,
        'menu_version', (select r.menu_version from public.restaurants r where r.id = caller_restaurant));
end
$$;

-- Who may push, and is the batch well-formed at all (else the whole call is refused).
create or replace function private.sync_check_caller(pushed_box text, caller_box text, caller_restaurant text, events jsonb)
returns void
language plpgsql stable security invoker
set search_path = ''
as $$
begin
    if caller_box is null or caller_restaurant is null then
        raise exception 'a box credential (restaurant_id and box_id claims) is required'
            using errcode = '42501';
    end if;
    if pushed_box is distinct from caller_box then
        raise exception 'box_id % does not match the credential''s box', pushed_box using errcode = '42501';
    end if;
    if not exists (select 1 from public.boxes b
                    where b.id = caller_box and b.restaurant_id = caller_restaurant and b.revoked_at is null) then
        raise exception 'box % is not registered for restaurant % or was revoked', caller_box, caller_restaurant
            using errcode = '42501';
    end if;
    if jsonb_typeof(events) is distinct from 'array' then
        raise exception 'events must be a JSON array' using errcode = '22023';
    end if;
    if jsonb_array_length(events) > 1000 then
        raise exception 'at most 1000 events per call, got %', jsonb_array_length(events) using errcode = 'PT413';
    end if;
    if exists (select 1 from jsonb_array_elements(events) e
                where jsonb_typeof(e) is distinct from 'object' or coalesce(e ->> 'seq', '') !~ '^[1-9]\d{0,17}$') then
        raise exception 'every event must be an object with a positive integer seq' using errcode = '22023';
    end if;
end
$$;

create or replace function private.sync_menu_document(p_restaurant text) returns jsonb
language sql stable security invoker
set search_path = ''
as $$
    select jsonb_build_object(
        'version', r.menu_version,
        'stations', coalesce((select jsonb_agg(jsonb_build_object('id', s.id, 'name', s.name, 'kind', s.kind,
                                                                 'position', s.position) order by s.position, s.id)
                                from public.stations s where s.restaurant_id = r.id), '[]'),
        'categories', coalesce((select jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name, 'position', c.position)
                                                 order by c.position, c.id)
                                  from public.menu_categories c where c.restaurant_id = r.id), '[]'),
        'items', coalesce((select jsonb_agg(jsonb_build_object(
                                 'id', i.id, 'name', i.name, 'category_id', i.category_id,
                                 'price_cents', i.price_cents, 'tax_rate_bp', i.tax_rate_bp,
                                 'station', i.station, 'aliases', to_jsonb(i.aliases), 'position', i.position,
                                 'modifier_groups', coalesce((
                                     select jsonb_agg(jsonb_build_object(
                                                'id', g.id, 'name', g.name, 'min', g.min_choices, 'max', g.max_choices,
                                                'modifiers', (select jsonb_agg(jsonb_build_object(
                                                                        'id', m.id, 'name', m.name,
                                                                        'price_delta_cents', m.price_delta_cents)
                                                                    order by m.position, m.id)
                                                                from public.modifiers m
                                                               where m.restaurant_id = g.restaurant_id and m.group_id = g.id))
                                            order by link.position, g.id)
                                       from public.menu_item_modifier_groups link
                                       join public.modifier_groups g
                                         on g.restaurant_id = link.restaurant_id and g.id = link.group_id
                                      where link.restaurant_id = i.restaurant_id and link.item_id = i.id
                                        and exists (select 1 from public.modifiers m
                                                     where m.restaurant_id = g.restaurant_id and m.group_id = g.id)),
                                     '[]')) order by i.position, i.id)
                             from public.menu_items i where i.restaurant_id = r.id), '[]'))
      from public.restaurants r
     where r.id = p_restaurant
$$;

create or replace function public.sync_pull_menu(since_version bigint) returns jsonb
language plpgsql stable security invoker
set search_path = ''
as $$
declare
    caller_restaurant text := private.jwt_restaurant_id();
    current_version bigint;
begin
    if caller_restaurant is null then
        raise exception 'a credential with a restaurant_id claim is required' using errcode = '42501';
    end if;
    select r.menu_version into current_version from public.restaurants r where r.id = caller_restaurant;
    -- version 0: the owner has not made a menu in the cloud yet; the box keeps its own
    if current_version is null or current_version = 0 or current_version <= coalesce(since_version, 0) then
        return null;
    end if;
    return private.sync_menu_document(caller_restaurant);
end
$$;

revoke all on function public.sync_push(text, jsonb), public.sync_pull_menu(bigint),
    private.sync_apply_orders(text, text, jsonb, bigint[]), private.sync_apply_menu_item(text, text, jsonb, text),
    private.sync_menu_document(text), private.sync_check_caller(text, text, text, jsonb),
    private.sync_reject_event(text, bigint, text, text) from public, anon;
grant execute on function public.sync_push(text, jsonb), public.sync_pull_menu(bigint) to authenticated;
grant execute on function private.sync_apply_orders(text, text, jsonb, bigint[]), private.sync_check_caller(text, text, text, jsonb),
    private.sync_reject_event(text, bigint, text, text),
    private.sync_apply_menu_item(text, text, jsonb, text), private.sync_menu_document(text) to authenticated;
