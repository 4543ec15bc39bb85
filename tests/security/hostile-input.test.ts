/**
 * Hostile input, bounded for `npm test`: a few hundred generated requests and frames per
 * property. `npm run test:stress` runs the same properties many more times.
 */
import { hostileInputSuite } from './support/hostile-suite.ts';

hostileInputSuite({ runs: 200, timeoutMs: 90_000 });
