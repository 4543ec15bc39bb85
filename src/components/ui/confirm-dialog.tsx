import type { ReactNode } from 'react';
import { Button } from './button';
import { Dialog } from './dialog';
import { FormError } from './form-error';

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  /** What happens, in a sentence or two, under the title. */
  description: ReactNode;
  /** The destructive button's label, naming the action ("Remove member"). */
  confirmLabel: ReactNode;
  /** The safe button's label; "Cancel" unless a clearer one exists ("Keep order"). */
  cancelLabel?: string;
  pending: boolean;
  /** The failed attempt's error, shown as a sentence above the buttons. */
  error: unknown;
  onConfirm: () => void;
  onClose: () => void;
}

/** The one confirmation before a destructive action: what it does, and the way back out. */
export function ConfirmDialog({ open, title, description, confirmLabel, cancelLabel = 'Cancel', pending, error, onConfirm, onClose }: ConfirmDialogProps) {
  return (
    <Dialog open={open} role="alertdialog" size="sm" title={title} description={description} onClose={onClose}>
      <FormError error={error} />
      <div className="form-actions">
        <Button onClick={onClose}>{cancelLabel}</Button>
        <Button variant="danger" loading={pending} onClick={onConfirm}>
          {confirmLabel}
        </Button>
      </div>
    </Dialog>
  );
}
