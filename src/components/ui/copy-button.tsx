import { useEffect, useState } from 'react';
import { Button } from './button';

/** Copies `value` to the clipboard and says so for two seconds; `onCopied` hears of each success. */
export function CopyButton({ value, label = 'Copy link', onCopied }: { value: string; label?: string; onCopied?: () => void }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(timer);
  }, [state]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
      onCopied?.();
    } catch {
      setState('failed');
    }
  }

  return (
    <Button size="sm" onClick={() => void copy()} aria-label={state === 'idle' ? `${label}: ${value}` : undefined}>
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : label}
    </Button>
  );
}
