import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { TextField } from '@/components/ui/field';
import { FormError } from '@/components/ui/form-error';
import { errorMessage } from '@/lib/errors';
import { useSaveGroup } from '../api/save-group';

const COLORS = ['#4f46e5', '#0ea5e9', '#10b981', '#f59e0b', '#ef4444', '#ec4899', '#8b5cf6', '#64748b'];

export function GroupDialog({
  organizationId,
  group,
  onClose,
  onSaved,
}: {
  organizationId: string;
  group?: { id: string; name: string; color: string | null };
  onClose: () => void;
  onSaved?: () => void;
}) {
  const [name, setName] = useState(group?.name ?? '');
  const [color, setColor] = useState<string | null>(group?.color ?? COLORS[0]);
  const save = useSaveGroup({ onSuccess: () => { onSaved?.(); onClose(); } });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) return;
    save.mutate({ organizationId, id: group?.id, name, color });
  }

  return (
    <Dialog open title={group ? 'Rename group' : 'New group'} onClose={onClose} size="sm">
      <form className="form" onSubmit={submit}>
        <FormError>{save.isError ? errorMessage(save.error).replace('Something with that name', 'A group with that name') : null}</FormError>
        <TextField label="Group name" required maxLength={60} value={name} onChange={(e) => setName(e.target.value)} />
        <fieldset className="checkbox-list">
          <legend>Colour</legend>
          <div className="chip-row">
            {COLORS.map((value) => (
              <button
                key={value}
                type="button"
                className="chip"
                aria-pressed={color === value}
                aria-label={`Colour ${value}`}
                onClick={() => setColor(value)}
              >
                <span className="swatch" style={{ ['--swatch' as string]: value }} />
              </button>
            ))}
          </div>
        </fieldset>
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" loading={save.isPending} disabled={!name.trim()} disabledReason="Enter a group name first.">
            {group ? 'Save' : 'Create group'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
