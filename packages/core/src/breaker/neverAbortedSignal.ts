/**
 * Handed to guarded functions when the caller gave no signal, so they can always
 * listen for aborts. Shared, as in cockatiel: it never aborts, so a function that
 * adds listeners to it must remove them when it finishes (fetch does).
 */
export const neverAbortedSignal: AbortSignal = new AbortController().signal;
