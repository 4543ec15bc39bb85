import { SelectField, TextField, type SelectOption } from '@/components/ui/field';
import type { DateRange, RangePreset } from '../lib/filters';

const PRESETS: SelectOption<RangePreset>[] = [
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: '90d', label: 'Last 90 days' },
  { value: 'all', label: 'All time' },
  { value: 'custom', label: 'Custom range' },
];

/** The period of the figures; `error` explains why a custom range cannot be used. */
export function DateRangeSelect({ value, onChange, error }: { value: DateRange; onChange: (range: DateRange) => void; error?: string }) {
  return (
    <>
      <SelectField label="Date range" value={value.preset} options={PRESETS} onChange={(preset) => onChange({ ...value, preset })} />
      {value.preset === 'custom' ? (
        <>
          <TextField label="From" type="date" value={value.customFrom ?? ''} max={value.customTo} onChange={(e) => onChange({ ...value, customFrom: e.target.value })} />
          <TextField
            label="To"
            error={error ? 'The end date is before the start date.' : undefined}
            type="date"
            value={value.customTo ?? ''}
            min={value.customFrom}
            onChange={(e) => onChange({ ...value, customTo: e.target.value })}
          />
        </>
      ) : null}
    </>
  );
}
