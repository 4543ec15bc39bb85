import { SelectField, TextField, type SelectOption } from '@/components/ui/field';
import type { DateRange, RangePreset } from '../lib/filters';

// A record, so that a new preset cannot go without its label.
const LABELS: Record<RangePreset, string> = {
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  all: 'All time',
  custom: 'Custom range',
};

const PRESETS: SelectOption<RangePreset>[] = (Object.keys(LABELS) as RangePreset[]).map((preset) => ({ value: preset, label: LABELS[preset] }));

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
