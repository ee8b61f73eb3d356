/**
 * A named step of a story test (one test whose steps must run in order): a failure says which
 * step it was.
 */
export async function step(label: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (e) {
    if (e instanceof Error) e.message = `${label}: ${e.message}`;
    throw e;
  }
}
