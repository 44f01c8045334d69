/** The FormatError `run` throws; fails the test when it returns or throws anything else. */
import { FormatError } from '../../src/scanners/emit.js';

export function formatErrorOf(run: () => unknown): FormatError {
  try {
    run();
  } catch (err) {
    if (err instanceof FormatError) return err;
    throw err;
  }
  throw new Error('expected a FormatError, but the input was accepted');
}
