/**
 * The one-line reason a failed case is recorded with, from whatever it threw. A case can throw
 * anything: a value without a string form (an object of null prototype, a `toString` that throws)
 * once crashed the child in this very function, so the cell's reason became the child's own stack.
 */
export function reasonOf(error: unknown): string {
  return textOf(error).replace(/\s+/g, ' ').trim();
}

function textOf(error: unknown): string {
  try {
    if (error instanceof AggregateError) return `${error.message}: ${[...error.errors].map(textOf).join('; ')}`;
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return `a thrown ${typeof error} that has no text`;
  }
}
