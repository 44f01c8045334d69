/** Temporary folders that must not outlive an interrupted run. */
import { rmSync } from 'node:fs';

/**
 * Removes `dir` also when the run is interrupted (Ctrl-C, a CI timeout's SIGTERM): `finally` blocks do not run
 * then. Ctrl-C and CI runners signal the whole process group, so the git children stop too; a signal sent to this
 * process alone could leave a child writing into the folder after it was removed. Returns the remover.
 */
export function removedOnSignal(dir: string): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(dir, { recursive: true, force: true });
    process.kill(process.pid, signal); // the handlers are gone by now: die of the same signal
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.once(s, onSignal);
  return () => {
    for (const s of signals) process.removeListener(s, onSignal);
    rmSync(dir, { recursive: true, force: true });
  };
}
