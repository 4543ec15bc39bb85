import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emulatorCommand } from './emulator-process.ts';

describe('emulatorCommand', () => {
  it('splits the build steps, the environment and the node arguments of the script', () => {
    expect(emulatorCommand('node build.mjs && A_B=2 C=x=y node --flag out.mjs')).toEqual({
      steps: ['node build.mjs'],
      env: { A_B: '2', C: 'x=y' },
      args: ['--flag', 'out.mjs'],
    });
  });

  it("reads package.json's emulator script, and refuses one that does not end with node", () => {
    const scripts = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(emulatorCommand(scripts.emulator).args.at(-1)).toBe('supabase/.build/emulator.mjs');
    expect(() => emulatorCommand('tsx cli.ts')).toThrow(/node command/);
  });
});
