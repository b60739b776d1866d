-- Box health for the owner: each box reports what it knows about its own sync (backlog, oldest
-- unsent event, dead letters, credential and clock problems, software version) with a small
-- heartbeat after its sync runs, at most once a minute. The cloud stamps when it heard it, and
-- adds what only it knows: the push cursor, whether the box was revoked, when its credential
-- expires. An owner reads `box_status`; a box writes only its own row.

create table public.box_heartbeats (
    box_id                 text primary key references public.boxes (id) on delete cascade,
    restaurant_id          text not null references public.restaurants (id) on delete cascade,
    received_at            timestamptz not null default now(),
    box_time               timestamptz,
    version                text check (length(version) <= 40),
    acked_seq              bigint,
    backlog_events         bigint check (backlog_events >= 0),
    oldest_unsent_at       timestamptz,
    dead_letters           int check (dead_letters >= 0),
    credential_problem     text check (length(credential_problem) <= 500),
    clock_problem          text check (length(clock_problem) <= 500),
    last_error             text check (length(last_error) <= 500),
    credential_expires_at  timestamptz
);

alter table public.box_heartbeats enable row level security;
revoke all on public.box_heartbeats from anon;
grant select, insert, update on public.box_heartbeats to authenticated;

create policy read_same_restaurant on public.box_heartbeats for select to authenticated
    using (restaurant_id = any ((select private.jwt_restaurant_ids())::text[]));
create policy insert_own_box on public.box_heartbeats for insert to authenticated
    with check (restaurant_id = (select private.jwt_restaurant_id()) and box_id = (select private.jwt_box_id()));
create policy update_own_box on public.box_heartbeats for update to authenticated
    using (restaurant_id = (select private.jwt_restaurant_id()) and box_id = (select private.jwt_box_id()))
    with check (restaurant_id = (select private.jwt_restaurant_id()) and box_id = (select private.jwt_box_id()));

create or replace function private.heartbeat_text(value jsonb) returns text
language sql immutable
set search_path = ''
as $$
    select case when jsonb_typeof(value) = 'string' then left(value #>> '{}', 500) end
$$;

create or replace function private.heartbeat_count(value jsonb) returns bigint
language sql immutable
set search_path = ''
as $$
    select case when jsonb_typeof(value) = 'number' and (value #>> '{}') ~ '^\d{1,12}(\.\d+)?$'
                then round((value #>> '{}')::numeric)::bigint end
$$;

-- Security invoker like sync_push: the box's own rights, so the policies above hold it to its row.
create or replace function public.sync_heartbeat(box_id text, health jsonb) returns jsonb
language plpgsql security invoker
set search_path = ''
as $$
declare
    caller_box text := private.jwt_box_id();
    caller_restaurant text := private.jwt_restaurant_id();
    expires numeric := case when auth.jwt() ->> 'exp' ~ '^\d{1,12}(\.\d+)?$' then (auth.jwt() ->> 'exp')::numeric end;
begin
    perform private.sync_check_caller(sync_heartbeat.box_id, caller_box, caller_restaurant, '[]'::jsonb);
    if jsonb_typeof(health) is distinct from 'object' then
        raise exception 'health must be a JSON object' using errcode = '22023';
    end if;
    insert into public.box_heartbeats as beat (
        box_id, restaurant_id, received_at, box_time, version, acked_seq, backlog_events, oldest_unsent_at,
        dead_letters, credential_problem, clock_problem, last_error, credential_expires_at)
    values (caller_box, caller_restaurant, now(), private.sync_timestamptz(health ->> 'box_time'),
            left(private.heartbeat_text(health -> 'version'), 40), private.heartbeat_count(health -> 'acked_seq'),
            private.heartbeat_count(health -> 'backlog_events'),
            -- the box sends an age, not a time: a Pi's clock may be off, an age measured on it is still right
            case when private.heartbeat_count(health -> 'backlog_events') > 0
                 then now() - make_interval(secs => private.heartbeat_count(health -> 'oldest_unsent_age_s')) end,
            private.heartbeat_count(health -> 'dead_letters'), private.heartbeat_text(health -> 'credential_problem'),
            private.heartbeat_text(health -> 'clock_problem'), private.heartbeat_text(health -> 'last_error'),
            to_timestamp(expires))
    on conflict on constraint box_heartbeats_pkey do update set
        received_at = excluded.received_at, box_time = excluded.box_time, version = excluded.version,
        acked_seq = excluded.acked_seq, backlog_events = excluded.backlog_events,
        oldest_unsent_at = excluded.oldest_unsent_at, dead_letters = excluded.dead_letters,
        credential_problem = excluded.credential_problem, clock_problem = excluded.clock_problem,
        last_error = excluded.last_error, credential_expires_at = excluded.credential_expires_at;
    return jsonb_build_object('received_at', now());
end
$$;

revoke all on function public.sync_heartbeat(text, jsonb) from public, anon;
grant execute on function public.sync_heartbeat(text, jsonb) to authenticated;

-- One row per box, with the state an owner needs at a glance. The box is `offline` when the cloud
-- has heard nothing from it (no push, no heartbeat) for 10 minutes: a box that is up sends a
-- heartbeat every minute even with nothing to push.
create or replace view public.box_status with (security_invoker = true) as
select b.restaurant_id, b.id as box_id, b.name, b.revoked_at,
       c.acked_seq as cloud_seq, c.pushed_at,
       h.received_at as heartbeat_at, h.version, h.backlog_events, h.oldest_unsent_at, h.dead_letters,
       h.credential_problem, h.clock_problem, h.last_error, h.credential_expires_at,
       greatest(c.pushed_at, h.received_at) as last_contact_at,
       extract(epoch from now() - greatest(c.pushed_at, h.received_at))::bigint as last_contact_age_s,
       case
           when b.revoked_at is not null then 'revoked'
           when h.credential_problem is not null then 'credential'
           when greatest(c.pushed_at, h.received_at) is null then 'never'
           when greatest(c.pushed_at, h.received_at) < now() - interval '10 minutes' then 'offline'
           when h.credential_expires_at < now() + interval '14 days' then 'credential_expiring'
           when coalesce(h.dead_letters, 0) > 0 then 'dead_letters'
           when coalesce(h.backlog_events, 0) > 0 and h.oldest_unsent_at < now() - interval '5 minutes' then 'behind'
           when h.clock_problem is not null then 'clock'
           else 'ok'
       end as state
  from public.boxes b
  left join public.sync_cursors c on c.box_id = b.id
  left join public.box_heartbeats h on h.box_id = b.id;

revoke all on public.box_status from anon;
grant select on public.box_status to authenticated;
