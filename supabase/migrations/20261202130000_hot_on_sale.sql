-- A dashboard time series whose cost no longer grows with the promoter's history.
--
-- promoter_sales_timeseries() reads only the promoter's days in the range asked for.

-- promoter_sales_timeseries: read only the days asked for --------------------------------------------
-- The daily rows were joined to the day series on (promoter, day), which the primary key
-- (promoter_id, event_id, day) cannot seek: every day of the promoter's whole history was
-- read, sorted and merged, so the cost grew with history. The range is now a condition of
-- the scan itself (checked on the index entries, so rows outside it are never fetched),
-- and the days are summed before the zero days are filled in.
create or replace function public.promoter_sales_timeseries(p_promoter_id uuid, p_from date, p_to date)
returns table (day date, tickets bigint, revenue_minor bigint, orders bigint, visits bigint)
language plpgsql
stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_organization_id uuid;
begin
  select p.organization_id into v_organization_id from public.promoters p where p.id = p_promoter_id;
  if v_organization_id is null or not private.is_member(v_organization_id) then
    perform private.raise_not_authorized();
  end if;
  if p_from is null or p_to is null or p_to < p_from or p_to - p_from > 731 then
    raise exception 'invalid_date_range'
      using errcode = 'P0001', hint = 'Choose a start date before the end date, at most two years apart.';
  end if;
  return query
  select d.day::date, coalesce(x.tickets, 0)::bigint, coalesce(x.revenue_minor, 0)::bigint,
         coalesce(x.orders, 0)::bigint, coalesce(x.visits, 0)::bigint
  from generate_series(p_from::timestamp, p_to::timestamp, interval '1 day') as d(day)
  left join (
    select s.day, sum(s.tickets) as tickets, sum(s.revenue_minor) as revenue_minor, sum(s.orders) as orders, sum(s.visits) as visits
    from private.promoter_daily_stats s
    where s.promoter_id = p_promoter_id and s.day between p_from and p_to
    group by s.day
  ) x on x.day = d.day::date
  order by d.day;
end;
$$;
comment on function public.promoter_sales_timeseries(uuid, date, date) is
  'One row per UTC day from p_from to p_to (inclusive, at most two years, zeros included) with the promoter''s paid attributed tickets, revenue, orders and visits. Errors: not_authorized, invalid_date_range.';
