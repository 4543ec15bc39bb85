-- Teams: invitations by email, the member list with emails, and the rules for roles.
--
-- Membership is by invitation only (see 20261130110000_tenancy_hardening.sql: no API
-- role inserts into organization_members). Owners and admins invite an email address
-- as admin or member; invite_member() returns a random token once, and only its
-- SHA-256 is stored, so the link /invitations/<token> can be shown and copied but never
-- read back. The link is valid for 7 days and accepted once, by a signed-in user whose
-- confirmed email is the invited address (case-insensitive). Inviting a pending address
-- again replaces its token and restarts the 7 days. Nobody is invited as owner: owners
-- are made by a role change on the members page (owners only).
--
-- invitation_preview() answers anyone holding a live token (organization, role, who
-- invited) and null for everything else, the same for a wrong, expired, revoked or used
-- token. Both it and accept_invitation() count the tokens a client address got wrong
-- (private.client_rate_counters, bucket invitation_miss) and stop answering after
-- private.invitation_misses_per_client_minute() misses in a minute, like
-- track_promoter_visit() does for codes (20261130100000_attribution_integrity.sql).
-- See docs/decisions/012-teams.md.

-- Throttle: the bucket invitation_miss of private.client_rate_counters --------------------
create function private.invitation_misses_per_client_minute()
returns integer
language sql immutable set search_path = ''
as $$
  select 10
$$;
comment on function private.invitation_misses_per_client_minute() is
  'Calls of invitation_preview() and accept_invitation() with a token that is not a live invitation one client address may make per minute; beyond it the preview answers null and accepting raises too_many_attempts (HTTP 429).';
revoke all on function private.invitation_misses_per_client_minute() from public;

-- organization_invitations -----------------------------------------------------------------
create table public.organization_invitations (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  email text not null check (char_length(email) between 3 and 254 and email = lower(btrim(email))),
  role public.organization_role not null check (role in ('admin', 'member')),
  token_hash bytea not null unique check (octet_length(token_hash) = 32),
  invited_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null default now() + interval '7 days',
  accepted_at timestamptz,
  accepted_by uuid references auth.users (id) on delete set null,
  revoked_at timestamptz,
  check (accepted_at is null or revoked_at is null)
);
comment on table public.organization_invitations is
  'Invitations to join an organization, by email, as admin or member. Written only by invite_member(), revoke_invitation() and accept_invitation(); owners and admins of the organization read them.';
comment on column public.organization_invitations.email is 'The invited address, trimmed and lower case; only a user with this confirmed email accepts.';
comment on column public.organization_invitations.role is 'The role the invitee gets on accepting: admin or member, never owner.';
comment on column public.organization_invitations.token_hash is 'SHA-256 of the link''s token; the token itself is shown once, by invite_member(), and never stored. Not readable through the API.';
comment on column public.organization_invitations.invited_by is 'Who sent (or last renewed) the invitation.';
comment on column public.organization_invitations.created_at is 'When the invitation was sent or last renewed.';
comment on column public.organization_invitations.expires_at is 'Seven days after created_at; the link is refused afterwards (invitation_expired).';
comment on column public.organization_invitations.accepted_at is 'When the invitee accepted; the link is then used up.';
comment on column public.organization_invitations.accepted_by is 'The user who accepted.';
comment on column public.organization_invitations.revoked_at is 'When an owner or admin revoked the invitation; the link is then refused (invitation_revoked).';

-- One open invitation per organization and address: inviting again renews it.
create unique index organization_invitations_open_idx on public.organization_invitations (organization_id, email)
  where accepted_at is null and revoked_at is null;
create index organization_invitations_organization_id_idx on public.organization_invitations (organization_id, created_at desc);
create index organization_invitations_invited_by_idx on public.organization_invitations (invited_by);
create index organization_invitations_accepted_by_idx on public.organization_invitations (accepted_by);
alter table public.organization_invitations enable row level security;

create policy "owners and admins read their organizations' invitations"
  on public.organization_invitations for select to authenticated
  using (organization_id in (select private.member_organization_ids(array['owner', 'admin'])));

revoke all on public.organization_invitations from public, anon, authenticated, service_role;
grant select (id, organization_id, email, role, invited_by, created_at, expires_at, accepted_at, accepted_by, revoked_at)
  on public.organization_invitations to authenticated;
grant select, insert, update, delete on public.organization_invitations to service_role;

-- Helpers --------------------------------------------------------------------------------------
create function private.invitation_token_hash(p_token text)
returns bytea
language sql immutable set search_path = ''
as $$
  select extensions.digest(p_token, 'sha256')
$$;
comment on function private.invitation_token_hash(text) is 'The stored form of an invitation token: its SHA-256.';
revoke all on function private.invitation_token_hash(text) from public;

-- Whether a string can be an invitation token at all: 43 base64url characters (32 bytes).
create function private.is_invitation_token(p_token text)
returns boolean
language sql immutable set search_path = ''
as $$
  select p_token is not null and char_length(p_token) = 43 and p_token ~ '^[A-Za-z0-9_-]{43}$'
$$;
comment on function private.is_invitation_token(text) is 'Whether p_token has the form of an invitation token (43 base64url characters).';
revoke all on function private.is_invitation_token(text) from public;

-- invite_member -----------------------------------------------------------------------------------
-- security definer: nobody may write the table directly; the function checks the caller.
create function public.invite_member(p_organization_id uuid, p_email text, p_role text default 'member')
returns jsonb
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_email text;
  v_token text := translate(encode(extensions.gen_random_bytes(32), 'base64'), '+/=', '-_');
  v_invitation public.organization_invitations;
begin
  perform private.require_role(p_organization_id, array['owner', 'admin']);
  if p_role is null or p_role not in ('admin', 'member') then
    raise exception 'invalid_role'
      using errcode = 'P0001', hint = 'Invite as admin or member; an owner makes someone an owner once they have joined.';
  end if;
  v_email := lower(btrim(coalesce(p_email, '')));
  if char_length(v_email) > 254 or v_email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$' then
    raise exception 'invalid_email' using errcode = 'P0001', hint = 'Enter one email address, such as name@example.com.';
  end if;
  if exists (
    select 1 from public.organization_members m join auth.users u on u.id = m.user_id
    where m.organization_id = p_organization_id and lower(u.email) = v_email
  ) then
    raise exception 'already_member' using errcode = 'P0001', hint = 'This person already belongs to the organization.';
  end if;

  insert into public.organization_invitations as i (organization_id, email, role, token_hash, invited_by)
  values (p_organization_id, v_email, p_role::public.organization_role, private.invitation_token_hash(v_token), (select auth.uid()))
  on conflict (organization_id, email) where accepted_at is null and revoked_at is null do update
    set role = excluded.role, token_hash = excluded.token_hash, invited_by = excluded.invited_by,
        created_at = now(), expires_at = now() + interval '7 days'
  returning * into v_invitation;

  return jsonb_build_object(
    'id', v_invitation.id, 'token', v_token, 'email', v_invitation.email,
    'role', v_invitation.role, 'expires_at', v_invitation.expires_at
  );
end;
$$;
comment on function public.invite_member(uuid, text, text) is
  'Owners and admins invite an email address as admin or member. Returns {id, token, email, role, expires_at}; the token (for the link /invitations/<token>) is shown only here. Inviting an address with an open invitation replaces its token and restarts its 7 days. Errors: not_authorized, invalid_role, invalid_email, already_member.';
revoke all on function public.invite_member(uuid, text, text) from public, anon, authenticated, service_role;
grant execute on function public.invite_member(uuid, text, text) to authenticated;

-- revoke_invitation -----------------------------------------------------------------------------------
create function public.revoke_invitation(p_invitation_id uuid)
returns timestamptz
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_invitation public.organization_invitations;
begin
  select * into v_invitation from public.organization_invitations i where i.id = p_invitation_id for update;
  -- A missing invitation and another organization's read alike.
  if v_invitation.id is null or not private.has_role(v_invitation.organization_id, array['owner', 'admin']) then
    perform private.raise_not_authorized();
  end if;
  if v_invitation.accepted_at is not null then
    raise exception 'invitation_already_accepted'
      using errcode = 'P0001', hint = 'This invitation was already accepted; remove the member instead.';
  end if;
  update public.organization_invitations set revoked_at = coalesce(revoked_at, now()) where id = p_invitation_id
  returning revoked_at into v_invitation.revoked_at;
  return v_invitation.revoked_at;
end;
$$;
comment on function public.revoke_invitation(uuid) is
  'Owners and admins revoke an open invitation of their organization; its link is refused from then on. Returns when it was revoked; revoking twice is harmless. Errors: not_authorized, invitation_already_accepted.';
revoke all on function public.revoke_invitation(uuid) from public, anon, authenticated, service_role;
grant execute on function public.revoke_invitation(uuid) to authenticated;

-- Counting misses -------------------------------------------------------------------------------
-- Level 1 of the lock order (docs/decisions/008-lock-order.md): only the caller's own
-- counter row. Returns whether the client already used up its misses this minute.
create function private.invitation_guessing_blocked(p_client bytea)
returns boolean
language sql stable set search_path = ''
as $$
  select p_client is not null
     and private.client_limit_reached(p_client, 'invitation_miss', private.invitation_misses_per_client_minute())
$$;
comment on function private.invitation_guessing_blocked(bytea) is
  'Whether the client made private.invitation_misses_per_client_minute() calls with wrong invitation tokens this minute.';
revoke all on function private.invitation_guessing_blocked(bytea) from public;

-- invitation_preview ----------------------------------------------------------------------------
-- security definer: the landing page is open to anyone holding the link, who can read
-- neither the invitation nor the organization.
create function public.invitation_preview(p_token text)
returns jsonb
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_client bytea := private.client_key();
  v_preview jsonb;
begin
  if private.invitation_guessing_blocked(v_client) then
    return null;
  end if;
  if private.is_invitation_token(p_token) then
    select jsonb_build_object(
             'organization_name', o.name,
             'role', i.role,
             'email', i.email,
             'invited_by', coalesce(nullif(btrim(u.raw_user_meta_data ->> 'full_name'), ''), u.email),
             'expires_at', i.expires_at)
      into v_preview
    from public.organization_invitations i
    join public.organizations o on o.id = i.organization_id
    left join auth.users u on u.id = i.invited_by
    where i.token_hash = private.invitation_token_hash(p_token)
      and i.accepted_at is null and i.revoked_at is null and i.expires_at > now();
  end if;
  if v_preview is null then
    perform private.count_miss(v_client, 'invitation_miss');
  end if;
  return v_preview;
end;
$$;
comment on function public.invitation_preview(text) is
  'For the invitation landing page: {organization_name, role, email, invited_by, expires_at} of a live invitation, or null for any token that is not one (wrong, expired, revoked or used alike). Wrong tokens are counted per client address; beyond private.invitation_misses_per_client_minute() a minute every call answers null. Nullable: result.';
revoke all on function public.invitation_preview(text) from public, anon, authenticated, service_role;
grant execute on function public.invitation_preview(text) to anon, authenticated;

-- accept_invitation ---------------------------------------------------------------------------------
-- security definer: joining is the one path into organization_members, which no API
-- role may insert into; the function checks the caller's confirmed email itself.
create function public.accept_invitation(p_token text)
returns jsonb
language plpgsql volatile security definer set search_path = ''
as $$
declare
  v_user uuid := (select auth.uid());
  v_client bytea;
  v_user_email text;
  v_confirmed boolean;
  v_invitation public.organization_invitations;
  v_inserted integer;
begin
  if v_user is null then
    perform private.raise_not_authorized();
  end if;
  v_client := private.client_key();
  if private.invitation_guessing_blocked(v_client) then
    raise exception 'too_many_attempts'
      using errcode = 'PT429', hint = 'Too many invitation links were tried from this connection; try again in a minute.';
  end if;
  if private.is_invitation_token(p_token) then
    -- The row lock makes accepting single-use: a second accept waits, then sees it used.
    select * into v_invitation from public.organization_invitations i
    where i.token_hash = private.invitation_token_hash(p_token)
    for update;
  end if;
  if v_invitation.id is null then
    -- Counted, so no error is raised (it would undo the count): null means "no such link".
    perform private.count_miss(v_client, 'invitation_miss');
    return null;
  end if;

  if v_invitation.revoked_at is not null then
    raise exception 'invitation_revoked'
      using errcode = 'P0001', hint = 'This invitation was revoked. Ask the organization for a new one.';
  end if;
  if v_invitation.accepted_at is not null then
    raise exception 'invitation_already_accepted'
      using errcode = 'P0001', hint = 'This invitation link was already used.';
  end if;
  if v_invitation.expires_at <= now() then
    raise exception 'invitation_expired'
      using errcode = 'P0001', hint = 'Invitation links are valid for 7 days. Ask the organization for a new one.';
  end if;
  select lower(u.email), u.email_confirmed_at is not null into v_user_email, v_confirmed
  from auth.users u where u.id = v_user;
  if v_user_email is distinct from v_invitation.email then
    raise exception 'invitation_email_mismatch'
      using errcode = 'P0001', hint = 'Sign in with the email address the invitation was sent to.';
  end if;
  if not v_confirmed then
    raise exception 'email_not_confirmed'
      using errcode = 'P0001', hint = 'Confirm your email address first, then open the invitation again.';
  end if;

  -- Already a member (for example through an earlier invitation): the role stays as it is.
  insert into public.organization_members (organization_id, user_id, role)
  values (v_invitation.organization_id, v_user, v_invitation.role)
  on conflict (organization_id, user_id) do nothing;
  get diagnostics v_inserted = row_count;
  update public.organization_invitations
  set accepted_at = now(), accepted_by = v_user
  where id = v_invitation.id;

  return jsonb_build_object(
    'organization_id', v_invitation.organization_id,
    'role', (select m.role from public.organization_members m where m.organization_id = v_invitation.organization_id and m.user_id = v_user),
    'already_member', v_inserted = 0
  );
end;
$$;
comment on function public.accept_invitation(text) is
  'The signed-in user whose confirmed email is the invited address joins the organization with the invitation''s role; the link is then used up. Returns {organization_id, role, already_member}, or null for a token that is no invitation (counted per client address). Errors: not_authorized, too_many_attempts (HTTP 429), invitation_revoked, invitation_already_accepted, invitation_expired, invitation_email_mismatch, email_not_confirmed. Nullable: result.';
revoke all on function public.accept_invitation(text) from public, anon, authenticated, service_role;
grant execute on function public.accept_invitation(text) to authenticated;

-- organization_member_list ------------------------------------------------------------------------
-- security definer: members may not read auth.users; this shows the email of fellow
-- members only.
create function public.organization_member_list(p_organization_id uuid)
returns table (user_id uuid, email text, role public.organization_role, joined_at timestamptz)
language plpgsql stable security definer set search_path = ''
as $$
begin
  perform private.require_member(p_organization_id);
  return query
    select m.user_id, u.email::text, m.role, m.created_at
    from public.organization_members m
    join auth.users u on u.id = m.user_id
    where m.organization_id = p_organization_id
    order by case m.role when 'owner' then 0 when 'admin' then 1 else 2 end, lower(u.email);
end;
$$;
comment on function public.organization_member_list(uuid) is
  'The members of an organization the caller belongs to, with their email and role, owners first. Errors: not_authorized.';
revoke all on function public.organization_member_list(uuid) from public, anon, authenticated, service_role;
grant execute on function public.organization_member_list(uuid) to authenticated;
