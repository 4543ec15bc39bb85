-- A promoter may go back to one of its own former promo codes.
--
-- reserve_promo_code() already lets a promoter take its own former code back (the code
-- becomes current again and leaves promoter_code_history), but is_promo_code_available()
-- only knew the organization and the code: a code in the history counted as taken
-- whoever asked, so the edit dialog called the promoter's own former code "already
-- taken" and would not save it.
--
-- is_promo_code_available() gains p_promoter_id (default null): the promoter being
-- edited. Its own current and former codes are available to it; any other promoter's
-- current or former code stays taken. The two-argument version is dropped, so
-- PostgREST sees one candidate, and calls without the new argument resolve as before
-- (a new promoter: every used code is taken).

drop function public.is_promo_code_available(uuid, text);

create function public.is_promo_code_available(p_organization_id uuid, p_promo_code text, p_promoter_id uuid default null)
returns boolean
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  if p_organization_id is null or not private.is_member(p_organization_id) then
    perform private.raise_not_authorized();
  end if;
  if p_promo_code is null or p_promo_code !~ private.promo_code_pattern() then
    raise exception 'invalid_promo_code'
      using errcode = 'P0001', hint = 'A promo code has 3 to 32 letters, digits, hyphens or underscores.';
  end if;
  -- Row-level security keeps both reads inside the caller's organizations; a
  -- p_promoter_id of another organization matches no row and changes nothing.
  return not exists (
    select 1 from public.promoters p
    where p.organization_id = p_organization_id and lower(p.promo_code) = lower(p_promo_code)
      and p.id is distinct from p_promoter_id
  ) and not exists (
    select 1 from public.promoter_code_history h
    where h.organization_id = p_organization_id and lower(h.promo_code) = lower(p_promo_code)
      and h.promoter_id is distinct from p_promoter_id
  );
end;
$$;
comment on function public.is_promo_code_available(uuid, text, uuid) is
  'Whether the promo code is free for p_promoter_id (ignoring case): no other promoter of the organization uses it now or used it before. A promoter''s own current and former codes are available to it; with p_promoter_id null (a new promoter) every used code is taken. Errors: not_authorized, invalid_promo_code. Nullable: p_promoter_id.';
revoke all on function public.is_promo_code_available(uuid, text, uuid) from public, anon, authenticated, service_role;
grant execute on function public.is_promo_code_available(uuid, text, uuid) to authenticated, service_role;
