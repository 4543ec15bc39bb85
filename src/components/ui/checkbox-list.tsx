export interface CheckboxOption {
  id: string;
  name: string;
}

/** A set of checkboxes under one legend, one per option; `onToggle` hears which and how. */
export function CheckboxList({
  legend,
  legendHidden = false,
  options,
  checked,
  disabled = false,
  onToggle,
}: {
  legend: string;
  /** For screen readers only, where the section's heading already says it. */
  legendHidden?: boolean;
  options: readonly CheckboxOption[];
  checked: readonly string[];
  disabled?: boolean;
  onToggle: (id: string, on: boolean) => void;
}) {
  return (
    <fieldset className="checkbox-list">
      <legend className={legendHidden ? 'visually-hidden' : undefined}>{legend}</legend>
      {options.map((option) => (
        <label key={option.id} className="checkbox">
          <input type="checkbox" checked={checked.includes(option.id)} disabled={disabled} onChange={(e) => onToggle(option.id, e.target.checked)} />
          {option.name}
        </label>
      ))}
    </fieldset>
  );
}

/** `list` with `id` added (`on`) or removed: what a checkbox's change makes of the chosen ids. */
export function toggled(list: readonly string[], id: string, on: boolean): string[] {
  return on ? [...list, id] : list.filter((item) => item !== id);
}
