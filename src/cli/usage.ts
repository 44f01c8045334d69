/** A mistake in how the command was called: exit code 4 with a message that says what to do. */
export class UsageError extends Error {}
