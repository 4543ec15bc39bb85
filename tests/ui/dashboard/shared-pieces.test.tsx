/**
 * The shared pieces pages are built from (src/components/ui, src/lib): what each renders
 * for each input, slugs made from names, the query keys features start from, and the
 * mutation hook that refreshes the keys a write changed.
 */
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { act, render, renderHook, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState, type ReactNode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { axisDayLabel, countsPerDayOptions } from '@/components/ui/chart-options';
import { CheckboxList, toggled } from '@/components/ui/checkbox-list';
import { SelectField } from '@/components/ui/field';
import { FormError } from '@/components/ui/form-error';
import { PageHeader } from '@/components/ui/page-header';
import { PageSpinner } from '@/components/ui/spinner';
import { ACTIONS_COLUMN, NumberCell, numeric, TableHead } from '@/components/ui/table';
import { errorMessage } from '@/lib/errors';
import { organizationListKeys } from '@/lib/query-keys';
import { slugify, withoutAccents } from '@/lib/slug';
import { useInvalidatingMutation } from '@/lib/use-invalidating-mutation';

describe('FormError', () => {
  it('says nothing while there is no error', () => {
    const { container } = render(<FormError error={null} />);
    expect(container).toBeEmptyDOMElement();
  });

  it('gives a failed request its sentence as an alert', () => {
    const refusal = { message: 'not_authorized', code: '42501' };
    render(<FormError error={refusal} />);
    expect(screen.getByRole('alert')).toHaveTextContent(errorMessage(refusal));
  });

  it('prefers a sentence of its own over the error', () => {
    render(<FormError error={{ message: 'not_authorized', code: '42501' }}>The end date is before the start date.</FormError>);
    expect(screen.getByRole('alert')).toHaveTextContent('The end date is before the start date.');
  });
});

describe('TableHead and NumberCell', () => {
  it('head every column, figures right-aligned, the actions column named for screen readers only, left-out columns gone', () => {
    render(
      <table>
        <TableHead columns={['Group', numeric('Tickets'), false, ACTIONS_COLUMN]} />
        <tbody>
          <tr>
            <th scope="row">Crew</th>
            <NumberCell label="Tickets">12</NumberCell>
            <NumberCell>3</NumberCell>
          </tr>
        </tbody>
      </table>,
    );
    const heads = screen.getAllByRole('columnheader');
    expect(heads.map((head) => head.textContent)).toEqual(['Group', 'Tickets', 'Actions']);
    expect(heads[0]).not.toHaveClass('num');
    expect(heads[1]).toHaveClass('num');
    expect(within(heads[2]).getByText('Actions')).toHaveClass('visually-hidden');
    const [labelled, plain] = screen.getAllByRole('cell');
    expect(labelled).toHaveClass('num');
    expect(labelled).toHaveAttribute('data-label', 'Tickets');
    expect(plain).not.toHaveAttribute('data-label');
  });
});

describe('CheckboxList', () => {
  const options = [
    { id: 'a', name: 'Influencers' },
    { id: 'b', name: 'Venue staff' },
  ];

  function Chooser() {
    const [chosen, setChosen] = useState<string[]>(['b']);
    return <CheckboxList legend="Groups" options={options} checked={chosen} onToggle={(id, on) => setChosen((list) => toggled(list, id, on))} />;
  }

  it('shows the chosen options checked and follows each click', async () => {
    const user = userEvent.setup();
    render(<Chooser />);
    const group = screen.getByRole('group', { name: 'Groups' });
    expect(within(group).getByRole('checkbox', { name: 'Venue staff' })).toBeChecked();
    await user.click(within(group).getByRole('checkbox', { name: 'Influencers' }));
    await user.click(within(group).getByRole('checkbox', { name: 'Venue staff' }));
    expect(within(group).getByRole('checkbox', { name: 'Influencers' })).toBeChecked();
    expect(within(group).getByRole('checkbox', { name: 'Venue staff' })).not.toBeChecked();
  });

  it('hides the legend visually when asked, and disables every box while a change is saved', () => {
    render(<CheckboxList legend="Group membership" legendHidden options={options} checked={[]} disabled onToggle={() => undefined} />);
    expect(screen.getByText('Group membership')).toHaveClass('visually-hidden');
    for (const box of screen.getAllByRole('checkbox')) expect(box).toBeDisabled();
  });

  it('toggled adds or removes one id and leaves the list it was given alone', () => {
    const list = ['a'];
    expect(toggled(list, 'b', true)).toEqual(['a', 'b']);
    expect(toggled(list, 'a', false)).toEqual([]);
    expect(list).toEqual(['a']);
  });
});

describe('SelectField', () => {
  const sorts = [
    { value: 'tickets', label: 'Tickets' },
    { value: 'name', label: 'Name' },
  ] as const;

  function Sorter({ onSort }: { onSort: (sort: 'tickets' | 'name') => void }) {
    const [sort, setSort] = useState<'tickets' | 'name'>('tickets');
    const choose = (next: 'tickets' | 'name') => {
      setSort(next);
      onSort(next);
    };
    return <SelectField label="Sort by" hint="Highest first." value={sort} options={sorts} onChange={choose} />;
  }

  it('labels the select, describes it by its hint, and hands over the chosen option’s value', async () => {
    const user = userEvent.setup();
    const onSort = vi.fn();
    render(<Sorter onSort={onSort} />);
    const select = screen.getByRole('combobox', { name: 'Sort by' });
    expect(select).toHaveAccessibleDescription('Highest first.');
    expect(within(select).getAllByRole('option').map((option) => option.textContent)).toEqual(['Tickets', 'Name']);
    await user.selectOptions(select, 'Name');
    expect(onSort).toHaveBeenCalledWith('name');
    expect(select).toHaveValue('name');
  });
});

describe('organizationListKeys', () => {
  const keys = organizationListKeys<{ search: string }>('orders');

  it('go from the whole feature to one organization, then to its lists and details', () => {
    expect(keys.all).toEqual(['orders']);
    expect(keys.organization('org-1')).toEqual(['orders', 'org-1']);
    expect(keys.list('org-1', { search: 'ab' })).toEqual(['orders', 'org-1', 'list', { search: 'ab' }]);
    expect(keys.detail('org-1', 'order-9')).toEqual(['orders', 'org-1', 'detail', 'order-9']);
  });

  it('put every list and detail under its organization, so invalidating that refreshes them all', () => {
    const organization = keys.organization('org-1');
    for (const key of [keys.lists('org-1'), keys.list('org-1', { search: '' }), keys.details('org-1'), keys.detail('org-1', 'x')]) {
      expect(key.slice(0, organization.length)).toEqual(organization);
    }
    expect(keys.list('org-2', { search: '' }).slice(0, 2)).not.toEqual(organization);
  });
});

describe('chart options', () => {
  it('label a calendar day by its month and day, that day wherever the browser is', () => {
    // The first of a month: a label read in local time west of UTC would say the 28th of February.
    const label = axisDayLabel('2026-03-01');
    expect(label).toMatch(/^Mar 1$/);
    expect(axisDayLabel('2026-12-31')).toMatch(/^Dec 31$/);
  });

  it('count from zero in whole numbers and limit the day labels to the number asked for', () => {
    const options = countsPerDayOptions(6);
    expect(options.scales.y).toMatchObject({ min: 0, beginAtZero: true, ticks: { precision: 0 } });
    expect(options.scales.x.ticks.maxTicksLimit).toBe(6);
  });
});

describe('PageHeader and PageSpinner', () => {
  it('title the page with its actions beside the heading', () => {
    render(
      <PageHeader title="Orders">
        <button type="button">Export CSV</button>
      </PageHeader>,
    );
    expect(screen.getByRole('heading', { level: 1, name: 'Orders' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Export CSV' })).toBeInTheDocument();
  });

  it('say what the page waits for', () => {
    render(<PageSpinner label="Checking your session" />);
    expect(screen.getByRole('status', { name: 'Checking your session' })).toBeInTheDocument();
  });
});

describe('useInvalidatingMutation', () => {
  function setup() {
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity }, mutations: { retry: false } } });
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
    return { queryClient, wrapper };
  }

  it('refetches the keys the write names before the caller hears of the success', async () => {
    const { queryClient, wrapper } = setup();
    let version = 0;
    const read = vi.fn(async () => ++version);
    const steps: string[] = [];
    const { result } = renderHook(
      () => {
        const list = useQuery({ queryKey: ['things', 'org-1'], queryFn: read });
        const save = useInvalidatingMutation(async (name: string) => `saved ${name}`, { onSuccess: (data) => void steps.push(`${data}, list v${queryClient.getQueryData(['things', 'org-1'])}`) }, () => [['things', 'org-1']]);
        return { list, save };
      },
      { wrapper },
    );
    await waitFor(() => expect(result.current.list.data).toBe(1));
    await act(() => result.current.save.mutateAsync('one'));
    expect(steps).toEqual(['saved one, list v2']);
  });

  it("on 'settled', refetches after a refusal too and passes the caller's onError through", async () => {
    const { queryClient, wrapper } = setup();
    queryClient.setQueryData(['things', 'org-1'], 'stale');
    const invalidate = vi.spyOn(queryClient, 'invalidateQueries');
    const onError = vi.fn();
    const { result } = renderHook(
      () =>
        useInvalidatingMutation(
          async (input: { organizationId: string }) => {
            throw new Error(`refused for ${input.organizationId}`);
          },
          { onError },
          (input) => [['things', input.organizationId]],
          'settled',
        ),
      { wrapper },
    );
    await act(() => result.current.mutateAsync({ organizationId: 'org-1' }).catch(() => undefined));
    expect(onError).toHaveBeenCalledOnce();
    expect(invalidate).toHaveBeenCalledWith({ queryKey: ['things', 'org-1'] });
    expect(queryClient.getQueryState(['things', 'org-1'])?.isInvalidated).toBe(true);
  });

  it("on success only (the default), leaves the keys alone when the write is refused", async () => {
    const { queryClient, wrapper } = setup();
    const invalidate = vi.spyOn(queryClient, 'invalidateQueries');
    const { result } = renderHook(
      () =>
        useInvalidatingMutation(
          async () => {
            throw new Error('refused');
          },
          {},
          () => [['things']],
        ),
      { wrapper },
    );
    await act(() => result.current.mutateAsync().catch(() => undefined));
    expect(invalidate).not.toHaveBeenCalled();
  });
});

describe('slugify', () => {
  it('makes lower-case words joined by dashes, accents taken off', () => {
    expect(withoutAccents('Chloé Dupont')).toBe('Chloe Dupont');
    expect(slugify('  Summer Fest: Café & Bar! ', 60)).toBe('summer-fest-cafe-bar');
  });

  it('cuts at the length it is given without leaving a dash at the end', () => {
    expect(slugify('Summer fest', 7)).toBe('summer');
    expect(slugify('!!!', 40)).toBe('');
  });
});
