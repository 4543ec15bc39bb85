/**
 * The emulator for the dashboard UI tests, in its own Node process: jsdom loads modules
 * the way a browser would, and the emulator (PGlite, file paths, Node streams) needs real
 * Node. Prints one JSON line `{url, anonKey, serviceRoleKey}`; closing stdin stops it.
 */
import { startTestEmulator } from '../../helpers/emulator.ts';

const emulator = await startTestEmulator({ seed: false });
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
