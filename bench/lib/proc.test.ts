import { describe, expect, it } from 'vitest';
import { splitSmaps } from './proc.ts';

const SMAPS = `55edd00dc000-55edd00de000 r--p 00000000 fe:00 260386                     /usr/bin/node
Size:                  8 kB
Rss:                   8 kB
Pss:                   8 kB
7f0000000000-7f0000100000 rw-p 00000000 00:00 0
Rss:                1024 kB
7f0000200000-7f0000300000 rw-p 00000000 00:00 0                          [heap]
Rss:                 512 kB
7f0000400000-7f0000500000 rw-p 00000000 00:00 0                          [anon:v8]
Rss:                 256 kB
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
Rss:                  16 kB
7f0000600000-7f0000700000 r--s 00000000 fe:00 1234                       /tmp/a file with spaces
Rss:                   4 kB
`;

describe('splitSmaps', () => {
  it('adds up resident memory by kind: anonymous, mapped files, other', () => {
    expect(splitSmaps(SMAPS)).toEqual({ anonymous: (1024 + 512 + 256) * 1024, files: (8 + 4) * 1024, other: 16 * 1024 });
  });

  it('reads nothing from an empty file', () => {
    expect(splitSmaps('')).toEqual({ anonymous: 0, files: 0, other: 0 });
  });
});
