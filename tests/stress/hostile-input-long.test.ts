/**
 * The hostile-input properties of the security suite at a larger scale: many more
 * generated requests and WebSocket frames per property than `npm test` can afford.
 */
import { hostileInputSuite } from '../security/support/hostile-suite.ts';

hostileInputSuite({ runs: 1500, timeoutMs: 240_000 });
