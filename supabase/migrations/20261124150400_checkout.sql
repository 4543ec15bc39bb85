-- The attendee entry points and refunds: track_promoter_visit(), checkout(),
-- refund_order().
--
-- track_promoter_visit() and checkout() are security definer because attendees are
-- anonymous and have no access to the tables; they validate every argument before
-- writing anything. refund_order() is security definer because orders and ticket
-- counts are not writable through the API; it checks the caller's role itself.

-- A random token that cannot be guessed: 24 bytes, base64url without padding.
create function private.random_token()
returns text
language sql volatile set search_path = ''
as $$
  select translate(encode(extensions.gen_random_bytes(24), 'base64'), '+/=', '-_')
$$;
comment on function private.random_token() is 'A random 192-bit token in base64url (32 characters).';

-- Order references avoid look-alike characters (0/O, 1/I/L).
create function private.random_order_reference()
returns text
language plpgsql volatile set search_path = ''
as $$
begin
  return (
    select 'PL-' || string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', (get_byte(b.bytes, i) % 31) + 1, 1), '' order by i)
    from (select extensions.gen_random_bytes(8) as bytes) b, generate_series(0, 7) as i
  );
end;
$$;
comment on function private.random_order_reference() is 'A random order reference such as PL-7K2M9QXA.';
revoke all on function private.random_token(), private.random_order_reference() from public;

-- checkout ------------------------------------------------------------------------------------
-- The order as checkout() returns it.
-- The helpers every checkout calls (this one, random_order_reference(),
-- prune_client_counters(), count_client_call()) are plpgsql so that their plans are kept
-- per connection: a SQL-language function with a SET clause is never inlined, and before
-- Postgres 18 it is parsed and planned again on every call. Measured with track_functions
-- on Postgres 15 (300 attributed checkouts), as SQL functions: order_json() cost 1.6 ms
-- a call, prune_client_counters() 0.6 ms, random_order_reference() 0.5 ms,
-- count_client_call() 0.3 ms.
create function private.order_json(p_order_id uuid)
returns jsonb
language plpgsql stable set search_path = ''
as $$
begin
  return (
    select jsonb_build_object(
      'order_id', o.id,
      'reference', o.reference,
      'status', o.status,
      'currency', o.currency,
      'total_minor', o.total_minor,
      'ticket_count', o.ticket_count,
      'created_at', o.created_at,
      'items', coalesce((
        select jsonb_agg(jsonb_build_object(
          'ticket_type_id', i.ticket_type_id,
          'name', t.name,
          'quantity', i.quantity,
          'unit_price_minor', i.unit_price_minor
        ) order by t.sort_order, t.name, i.ticket_type_id)
        from public.order_items i
        join public.ticket_types t on t.id = i.ticket_type_id
        where i.order_id = o.id
      ), '[]'::jsonb)
    )
    from public.orders o
    where o.id = p_order_id
  );
end;
$$;
comment on function private.order_json(uuid) is 'The JSON shape checkout() returns for an order.';
revoke all on function private.order_json(uuid) from public;

-- An idempotent retry returns the first order, but only if it asks for the same thing.
create function private.replay_order(
  p_idempotency_key uuid, p_event_id uuid, p_lines jsonb, p_buyer_name text, p_buyer_email text
)
returns jsonb
language plpgsql stable set search_path = ''
as $$
declare
  v_order public.orders;
  v_same boolean;
begin
  select * into v_order from public.orders o where o.idempotency_key = p_idempotency_key;
  if v_order.id is null then
    return null;
  end if;
  select v_order.event_id = p_event_id
     and v_order.buyer_name = p_buyer_name
     and v_order.buyer_email = p_buyer_email
     and (select coalesce(jsonb_agg(jsonb_build_object('ticket_type_id', i.ticket_type_id, 'quantity', i.quantity)
                                   order by i.ticket_type_id), '[]'::jsonb)
          from public.order_items i where i.order_id = v_order.id) = p_lines
    into v_same;
  if not v_same then
    raise exception 'idempotency_key_reused'
      using errcode = 'P0001',
            hint = 'This idempotency key was already used for a different order; use a new key for a new order.';
  end if;
  return private.order_json(v_order.id);
end;
$$;
comment on function private.replay_order(uuid, uuid, jsonb, text, text) is
  'For checkout(): the existing order of an idempotency key if it matches the request, null when there is none; raises idempotency_key_reused otherwise.';
revoke all on function private.replay_order(uuid, uuid, jsonb, text, text) from public;

-- refund_order ----------------------------------------------------------------------------------
-- Its ticket types last, for no key update (the lock order before checkout() in
-- 20261202110000_attribution_window.sql).
create function public.refund_order(p_order_id uuid)
returns public.orders
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_order public.orders;
begin
  select * into v_order from public.orders o where o.id = p_order_id;
  if v_order.id is null or not private.is_member(v_order.organization_id) then
    raise exception 'order_not_found' using errcode = 'P0001', hint = 'This order does not exist.';
  end if;
  if not private.has_role(v_order.organization_id, array['owner', 'admin']) then
    perform private.raise_not_authorized();
  end if;

  -- Level 2: the attributed promoter cannot be deleted halfway through, since its
  -- rollups change below. An attribution is only ever written with its order, so the
  -- one read here is the one the refund will see (or it is gone with its promoter).
  perform 1 from public.promoters p
  where p.id in (select a.promoter_id from public.attributions a where a.order_id = v_order.id)
  order by p.id
  for key share;

  -- Level 4: the order itself.
  select * into v_order from public.orders o where o.id = p_order_id for update;
  if v_order.status = 'refunded' then
    raise exception 'order_already_refunded' using errcode = 'P0001', hint = 'This order has already been refunded.';
  end if;

  -- Level 6: its status (the rollup triggers lock the shard, the daily rows and the
  -- promoter totals).
  update public.orders o
  set status = 'refunded', refunded_at = now()
  where o.id = v_order.id
  returning * into v_order;

  -- Level 7, last: its ticket types in id order, for no key update: the key share a
  -- checkout's order items hold on them does not conflict with it, so a checkout that
  -- holds that share while it waits for the rollup rows above is never waited for.
  perform 1 from public.ticket_types t
  where t.id in (select i.ticket_type_id from public.order_items i where i.order_id = v_order.id)
  order by t.id
  for no key update;
  update public.ticket_types t
  set sold = t.sold - i.quantity
  from public.order_items i
  where i.order_id = v_order.id and t.id = i.ticket_type_id;
  return v_order;
end;
$$;
comment on function public.refund_order(uuid) is
  'Refunds a paid order (owners and admins): the order stops counting in every figure and its tickets go back on sale. Errors: order_not_found, not_authorized, order_already_refunded.';
revoke all on function public.refund_order(uuid) from public, anon, authenticated, service_role;
grant execute on function public.refund_order(uuid) to authenticated;
