/**
 * Runs the test emulator in its own Node process for the UI tests.
 *
 * jsdom tests load modules the way a browser would, and the emulator (PGlite, file
 * paths from import.meta.url, Node Blobs) needs real Node. So the test starts this
 * script, reads one JSON line `{url, anonKey, serviceRoleKey}` from its stdout and
 * talks to the emulator over HTTP, as the SPA does. Closing stdin stops it.
 */
import { startTestEmulator } from '../../helpers/emulator.ts';

// Fixtures buy as many different attendees, each with its own address (see
// buyThroughLink), so the per-client checkout bound does not throttle the set-up.
const emulator = await startTestEmulator({ seed: false, emulator: { trustClientAddressHeader: true } });
process.stdout.write(`${JSON.stringify({ url: emulator.url, anonKey: emulator.anonKey, serviceRoleKey: emulator.serviceRoleKey })}\n`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await emulator.stop();
  process.exit(0);
}
process.stdin.on('end', () => void stop());
process.stdin.on('close', () => void stop());
process.on('SIGTERM', () => void stop());
process.stdin.resume();
