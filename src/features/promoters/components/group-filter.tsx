import { formatNumber } from '@/lib/format';

export interface GroupOption {
  id: string;
  name: string;
  color: string | null;
  promoters: number;
}

/** "All" plus one toggle per group with its member count; exactly one is pressed. */
export function GroupFilter({
  groups,
  total,
  selected,
  onSelect,
}: {
  groups: GroupOption[];
  total: number | undefined;
  selected: string | null;
  onSelect: (groupId: string | null) => void;
}) {
  return (
    <div className="chip-row" role="group" aria-label="Filter by group">
      <button type="button" className="chip" aria-pressed={selected === null} onClick={() => onSelect(null)}>
        All{total !== undefined ? <span className="chip__count">{formatNumber(total)}</span> : null}
      </button>
      {groups.map((group) => (
        <button key={group.id} type="button" className="chip" aria-pressed={selected === group.id} onClick={() => onSelect(group.id)}>
          <span className="swatch" style={{ ['--swatch' as string]: group.color ?? undefined }} aria-hidden="true" />
          {group.name}
          <span className="chip__count">{formatNumber(group.promoters)}</span>
        </button>
      ))}
    </div>
  );
}
