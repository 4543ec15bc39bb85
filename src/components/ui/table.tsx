import type { ReactNode } from 'react';

/** One column of a table's head: its label, and whether it holds figures (right-aligned). */
export interface Column {
  label: ReactNode;
  numeric?: boolean;
  /** For screen readers only (the actions column: its buttons name themselves). */
  hidden?: boolean;
}

/** A column of figures. */
export const numeric = (label: ReactNode): Column => ({ label, numeric: true });

/** The actions column at the end of a row. */
export const ACTIONS_COLUMN: Column = { label: 'Actions', hidden: true };

/** A table's head row; a plain string is a text column, `false` or `null` leaves a column out. */
export function TableHead({ columns }: { columns: readonly (string | Column | false | null)[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column, index) => {
          if (column === false || column === null) return null;
          const { label, numeric, hidden } = typeof column === 'string' ? { label: column } : column;
          return (
            <th key={index} scope="col" className={numeric ? 'num' : undefined}>
              {hidden ? <span className="visually-hidden">{label}</span> : label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}

/**
 * A figure in a row. `label` names it where a stacking table (`table--stack`) shows each
 * cell on its own line on a narrow screen.
 */
export function NumberCell({ label, children }: { label?: string; children: ReactNode }) {
  return (
    <td className="num" data-label={label}>
      {children}
    </td>
  );
}
