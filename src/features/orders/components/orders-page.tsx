import { useSuspenseInfiniteQuery, useSuspenseQuery } from '@tanstack/react-query';
import { useDeferredValue, useState } from 'react';
import { Link } from 'react-router-dom';
import { Button } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/empty-state';
import { PanelError, PanelErrorBoundary } from '@/components/ui/error-boundary';
import { SelectField, TextField } from '@/components/ui/field';
import { PageHeader } from '@/components/ui/page-header';
import { SkeletonList } from '@/components/ui/skeleton';
import { NumberCell, numeric, TableHead } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';
import { downloadCsv } from '@/lib/csv';
import { errorMessage } from '@/lib/errors';
import { formatDateTime, formatMoney, formatNumber } from '@/lib/format';
import { filterOptionsQueryOptions, type FilterOption, type FilterOptions } from '../api/get-filter-options';
import { listAllOrders, ordersQueryOptions } from '../api/list-orders';
import { useOrderFilters } from '../hooks/use-order-filters';
import { ordersCsv } from '../lib/export';
import { dateRangeError, exportFileName, type OrderFilters, type PromoterFilter } from '../lib/filters';
import { OrderDetail } from './order-detail';
import { SelfReferralBadge } from './self-referral-badge';

const STATUS_OPTIONS = [
  { value: '', label: 'Paid and refunded' },
  { value: 'paid', label: 'Paid' },
  { value: 'refunded', label: 'Refunded' },
];

const SELF_REFERRAL_OPTIONS = [
  { value: '', label: 'Included' },
  { value: 'only', label: 'Only self-referrals' },
  { value: 'hide', label: 'Left out' },
];

const toOption = ({ id, name }: FilterOption) => ({ value: id, label: name });

/**
 * The organization's orders: search, filters, pages of 50, CSV export, and the open order
 * beside them. The list does not need the event and promoter filters' options: if those
 * fail to load, only those two filters say so, and everything else keeps working.
 */
export function OrdersPage({ organizationId, orderId, orderHref }: { organizationId: string; orderId?: string; orderHref: (id: string) => string }) {
  const view = useOrderFilters();
  const rangeError = dateRangeError(view.filters.from, view.filters.to);
  const toast = useToast();
  const [exporting, setExporting] = useState(false);

  async function exportCsv() {
    setExporting(true);
    try {
      const all = await listAllOrders(organizationId, view.filters);
      downloadCsv(exportFileName(view.filters, new Date().toISOString().slice(0, 10)), ordersCsv(all));
    } catch (error) {
      toast.show(errorMessage(error), 'error');
    } finally {
      setExporting(false);
    }
  }

  return (
    <>
      <PageHeader title="Orders">
        <Button onClick={() => void exportCsv()} loading={exporting} disabled={rangeError !== null} title={rangeError ?? undefined}>
          Export CSV
        </Button>
      </PageHeader>
      <div className="filter-grid" role="search" aria-label="Find orders">
        <TextField
          className="filter-grid__wide"
          label="Search"
          type="search"
          placeholder="Reference, buyer name or email"
          value={view.search}
          onChange={(e) => view.set('q', e.target.value)}
        />
        <PanelErrorBoundary
          loading={<EventAndPromoterFilters eventId={view.filters.eventId} promoter={view.filters.promoter} disabled />}
          renderError={({ error, retry }) => (
            <div className="filter-grid__wide filter-grid__failed">
              <PanelError title="Event and promoter filters could not load" error={error} onRetry={retry} />
            </div>
          )}
          resetKeys={[organizationId]}
        >
          <LoadedEventAndPromoterFilters organizationId={organizationId} eventId={view.filters.eventId} promoter={view.filters.promoter} onChange={view.set} />
        </PanelErrorBoundary>
        <SelectField label="Status" value={view.filters.status ?? ''} options={STATUS_OPTIONS} onChange={(value) => view.set('status', value)} />
        <SelectField label="Self-referrals" value={view.filters.selfReferral ?? ''} options={SELF_REFERRAL_OPTIONS} onChange={(value) => view.set('self', value)} />
        <TextField label="From (UTC)" error={rangeError ?? undefined} type="date" value={view.filters.from ?? ''} onChange={(e) => view.set('from', e.target.value)} />
        <TextField
          label="To (UTC)"
          type="date"
          value={view.filters.to ?? ''}
          onChange={(e) => view.set('to', e.target.value)}
          aria-invalid={rangeError ? true : undefined}
        />
      </div>
      <div className={`performance ${orderId ? 'performance--with-detail' : ''}`}>
        <section className="card" aria-label="Orders">
          {/* The sentence is under the From field, where the range is fixed; this one is announced. */}
          {rangeError ? (
            <div role="status">
              <EmptyState title="Fix the date range above to see orders" />
            </div>
          ) : (
            <PanelErrorBoundary title="Orders could not load" loading={<SkeletonList rows={5} label="Loading orders" />} resetKeys={[organizationId, view.filters]}>
              <OrderList organizationId={organizationId} filters={view.filters} onClear={view.clear} orderId={orderId} orderHref={orderHref} />
            </PanelErrorBoundary>
          )}
        </section>
        {orderId ? (
          <PanelErrorBoundary title="This order could not load" loading={<SkeletonList rows={4} label="Loading order" />} resetKeys={[orderId]}>
            <OrderDetail key={orderId} organizationId={organizationId} orderId={orderId} backTo={`/dashboard/orders${view.searchString}`} />
          </PanelErrorBoundary>
        ) : null}
      </div>
    </>
  );
}

interface EventAndPromoterFiltersProps {
  eventId: string | null;
  promoter: PromoterFilter;
  onChange?: (key: 'event' | 'promoter', value: string) => void;
  /** While the options load: the two filters with their "all" choice alone. */
  disabled?: boolean;
  options?: FilterOptions;
}

const NO_OPTIONS: FilterOptions = { events: [], promoters: [] };

/** The event and promoter filters, with the organization's events and promoters as options. */
function LoadedEventAndPromoterFilters({ organizationId, ...props }: EventAndPromoterFiltersProps & { organizationId: string }) {
  const { data: options } = useSuspenseQuery(filterOptionsQueryOptions(organizationId));
  return <EventAndPromoterFilters {...props} options={options} />;
}

function EventAndPromoterFilters({ eventId, promoter, onChange, disabled = false, options = NO_OPTIONS }: EventAndPromoterFiltersProps) {
  return (
    <>
      <SelectField
        label="Event"
        value={eventId ?? ''}
        disabled={disabled}
        options={[{ value: '', label: 'All events' }, ...options.events.map(toOption)]}
        onChange={(value) => onChange?.('event', value)}
      />
      <SelectField
        label="Promoter"
        value={promoter ?? ''}
        disabled={disabled}
        options={[{ value: '', label: 'Any promoter or none' }, { value: 'none', label: 'No promoter' }, ...options.promoters.map(toOption)]}
        onChange={(value) => onChange?.('promoter', value)}
      />
    </>
  );
}

/** One filtered view of the orders, newest first, in pages of 50. */
function OrderList({
  organizationId,
  filters: current,
  onClear,
  orderId,
  orderHref,
}: {
  organizationId: string;
  filters: OrderFilters;
  onClear: () => void;
  orderId?: string;
  orderHref: (id: string) => string;
}) {
  // New filters keep the current rows on screen until the new ones are here.
  const filters = useDeferredValue(current);
  const orders = useSuspenseInfiniteQuery(ordersQueryOptions(organizationId, filters));
  const rows = orders.data.pages.flat();
  const filtered = Object.values(filters).some((value) => value !== null && value !== '');
  return rows.length === 0 ? (
    <EmptyState
      title={filtered ? 'No orders match these filters' : 'No orders yet'}
      action={filtered ? <Button onClick={onClear}>Clear filters</Button> : undefined}
    >
      {filtered ? 'Try another search or a wider date range.' : 'Orders appear here as soon as the first ticket is sold.'}
    </EmptyState>
  ) : (
    <>
      <div className="table-wrap">
        <table className="table table--stack">
          <caption className="visually-hidden">Orders, newest first</caption>
          <TableHead columns={['Order', 'Date', 'Buyer', 'Event', 'Promoter', numeric('Tickets'), numeric('Total'), 'Status']} />
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} aria-current={row.id === orderId ? 'true' : undefined}>
                <th scope="row">
                  <Link className="nowrap" to={orderHref(row.id)}>{row.reference}</Link>
                </th>
                <td data-label="Date">{formatDateTime(row.created_at)}</td>
                <td data-label="Buyer">
                  <span>
                    {row.buyer_name}
                    <span className="muted block">{row.buyer_email}</span>
                  </span>
                </td>
                <td data-label="Event">{row.event_name}</td>
                <td data-label="Promoter">
                  {row.promoter_name ?? <span className="muted">None</span>}
                  {row.self_referral ? (
                    <>
                      {' '}
                      <SelfReferralBadge />
                    </>
                  ) : null}
                </td>
                <NumberCell label="Tickets">{formatNumber(row.ticket_count)}</NumberCell>
                <NumberCell label="Total">{formatMoney(row.total_minor, row.currency)}</NumberCell>
                <td data-label="Status">
                  <span className={`badge ${row.status === 'paid' ? 'badge--success' : ''}`}>{row.status === 'paid' ? 'Paid' : 'Refunded'}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {orders.hasNextPage ? (
        <div className="form-actions">
          <Button onClick={() => void orders.fetchNextPage()} loading={orders.isFetchingNextPage}>
            Show more orders
          </Button>
        </div>
      ) : null}
    </>
  );
}
