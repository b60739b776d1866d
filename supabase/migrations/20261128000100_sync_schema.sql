-- restaurant-edge cloud schema: restaurants, boxes, menu, orders, tickets, raw events, cursors.
-- Every row carries restaurant_id, and every key that a box makes (orders, items, tickets, menu
-- ids) is unique only within its restaurant, so a box that sends another restaurant's ids only
-- ever creates rows of its own restaurant (isolation does not depend on ids being secret).

-- Helpers live in `private`, a schema PostgREST does not expose: only sync_push and
-- sync_pull_menu (and the tables and views, under row-level security) are reachable over HTTP.
create schema if not exists private;
grant usage on schema private to authenticated;

create table public.restaurants (
    id            text primary key check (length(id) between 1 and 64),
    name          text not null check (length(name) between 1 and 80),
    timezone      text not null default 'UTC',
    menu_version  bigint not null default 0,
    -- the transaction that last bumped menu_version: one bump per transaction, not per row
    menu_txid     bigint,
    created_at    timestamptz not null default now()
);

create table public.boxes (
    id             text primary key check (length(id) between 1 and 64),
    restaurant_id  text not null references public.restaurants (id) on delete cascade,
    name           text not null default '',
    revoked_at     timestamptz,
    created_at     timestamptz not null default now(),
    unique (restaurant_id, id)
);

create table public.stations (
    restaurant_id  text not null references public.restaurants (id) on delete cascade,
    id             text not null check (id ~ '^[a-z][a-z0-9_-]{0,31}$'),
    name           text not null,
    kind           text not null default 'prep' check (kind in ('prep', 'expo')),
    position       int not null default 0,
    primary key (restaurant_id, id)
);

create table public.menu_categories (
    restaurant_id  text not null references public.restaurants (id) on delete cascade,
    id             text not null,
    name           text not null check (length(name) between 1 and 60),
    position       int not null default 0,
    primary key (restaurant_id, id)
);

create table public.menu_items (
    restaurant_id  text not null references public.restaurants (id) on delete cascade,
    id             text not null,
    category_id    text not null,
    name           text not null check (length(name) between 1 and 80),
    price_cents    int not null check (price_cents between 0 and 10000000),
    tax_rate_bp    int not null default 0 check (tax_rate_bp between 0 and 10000),
    station        text not null,
    aliases        text[] not null default '{}',
    position       int not null default 0,
    primary key (restaurant_id, id),
    foreign key (restaurant_id, category_id) references public.menu_categories (restaurant_id, id)
        on delete cascade
);

create table public.modifier_groups (
    restaurant_id  text not null references public.restaurants (id) on delete cascade,
    id             text not null,
    name           text not null check (length(name) between 1 and 60),
    min_choices    int not null default 0 check (min_choices between 0 and 20),
    max_choices    int not null default 1 check (max_choices between 1 and 20),
    primary key (restaurant_id, id),
    check (min_choices <= max_choices)
);

create table public.menu_item_modifier_groups (
    restaurant_id  text not null,
    item_id        text not null,
    group_id       text not null,
    position       int not null default 0,
    primary key (restaurant_id, item_id, group_id),
    foreign key (restaurant_id, item_id) references public.menu_items (restaurant_id, id) on delete cascade,
    foreign key (restaurant_id, group_id) references public.modifier_groups (restaurant_id, id) on delete cascade
);

create table public.modifiers (
    restaurant_id      text not null,
    id                 text not null,
    group_id           text not null,
    name               text not null check (length(name) between 1 and 60),
    price_delta_cents  int not null default 0 check (price_delta_cents between -10000000 and 10000000),
    position           int not null default 0,
    primary key (restaurant_id, id),
    foreign key (restaurant_id, group_id) references public.modifier_groups (restaurant_id, id) on delete cascade
);

-- The 86 state belongs to the box: reported here for the owner, never part of the menu version.
create table public.item_availability (
    restaurant_id  text not null references public.restaurants (id) on delete cascade,
    item_id        text not null,
    available      boolean not null,
    box_id         text not null,
    hlc            text collate "C" not null,
    primary key (restaurant_id, item_id)
);

create table public.orders (
    restaurant_id    text not null references public.restaurants (id) on delete cascade,
    id               text not null,
    box_id           text not null,
    number           int not null,
    business_date    date not null,
    client_order_id  text,
    source           text not null check (source in ('pos', 'voice', 'kiosk')),
    type             text not null check (type in ('dine_in', 'takeout')),
    table_label      text,
    customer_name    text,
    notes            text,
    status           text not null check (status in ('open', 'fired', 'in_progress', 'ready', 'completed', 'voided')),
    void_reason      text,
    created_by       text,
    created_at       timestamptz not null,
    fired_at         timestamptz,
    ready_at         timestamptz,
    completed_at     timestamptz,
    voided_at        timestamptz,
    subtotal_cents   bigint not null check (subtotal_cents >= 0),
    tax_cents        bigint not null check (tax_cents >= 0),
    total_cents      bigint not null,
    -- HLC stamp of the event whose snapshot this row holds: the merge rule compares these
    hlc              text collate "C" not null,
    updated_seq      bigint not null,
    received_at      timestamptz not null default now(),
    primary key (restaurant_id, id),
    check (total_cents = subtotal_cents + tax_cents),
    check (status <> 'voided' or void_reason is not null)
);

create table public.order_items (
    restaurant_id      text not null,
    order_id           text not null,
    id                 text not null,
    menu_item_id       text not null,
    name               text not null,
    station            text not null,
    quantity           int not null check (quantity between 1 and 99),
    unit_price_cents   int not null,
    modifiers          jsonb not null default '[]',
    notes              text,
    course             int not null default 1,
    line_total_cents   bigint not null check (line_total_cents >= 0),
    tax_rate_bp        int not null default 0,
    done_at            timestamptz,
    primary key (restaurant_id, order_id, id)
);

create table public.tickets (
    restaurant_id  text not null,
    order_id       text not null,
    id             text not null,
    station        text not null,
    status         text not null check (status in ('open', 'fired', 'in_progress', 'ready', 'completed', 'voided')),
    fired_at       timestamptz,
    started_at     timestamptz,
    bumped_at      timestamptz,
    item_ids       text[] not null default '{}',
    primary key (restaurant_id, order_id, id)
);

-- Items and tickets are written only with their order, by sync_push. A foreign key to orders
-- would cost a locking lookup per row on every snapshot (measured: more than half of sync_push's
-- CPU); this trigger keeps the one thing it gave, deleting them with their order.
create function public.delete_order_children() returns trigger
language plpgsql
set search_path = ''
as $$
begin
    delete from public.order_items where restaurant_id = old.restaurant_id and order_id = old.id;
    delete from public.tickets where restaurant_id = old.restaurant_id and order_id = old.id;
    return null;
end
$$;
create trigger delete_order_children after delete on public.orders
    for each row execute function public.delete_order_children();

-- Every event a box pushed, exactly once: the (box_id, seq) key is what makes retries harmless.
-- No foreign keys here on purpose: sync_push checks the box and its restaurant once per call,
-- and two foreign-key lookups per event would cost a backlog of 50,000 events dearly.
create table public.sync_events (
    box_id           text not null,
    seq              bigint not null check (seq > 0),
    restaurant_id    text not null,
    id               text not null,
    type             text not null,
    data             jsonb not null,
    at               timestamptz,
    hlc              text collate "C" not null,
    stations         text[] not null default '{}',
    received_at      timestamptz not null default now(),
    rejected_reason  text,
    primary key (box_id, seq)
);

-- Refused events are few: this finds a box's (for retries from its dead letters) at no cost.
create index sync_events_refused on public.sync_events (box_id) where rejected_reason is not null;

create table public.sync_cursors (
    box_id         text primary key references public.boxes (id) on delete cascade,
    restaurant_id  text not null references public.restaurants (id) on delete cascade,
    acked_seq      bigint not null default 0,
    pushed_at      timestamptz,
    pulled_at      timestamptz
);

create index orders_by_day on public.orders (restaurant_id, business_date);
create index tickets_by_station on public.tickets (restaurant_id, station);
