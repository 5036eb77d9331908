/**
 * What serve() answers, on every runtime alike, when the handler throws or its promise rejects.
 * Left to themselves the three differ: Deno.serve answers 500 with the text "Internal Server
 * Error", Bun.serve (in development, its default) a 500 HTML page holding the stack and lines of
 * the source, node:http whatever the adapter writes. A benchmark target must answer the same bytes
 * on each, so all three send a 500 with an empty body (Content-Length: 0) and keep serving; the
 * error goes to stderr, where deno and bun print it by default, so a broken handler is not silent.
 */
export function handlerFailed(error: unknown): Response {
  console.error('serve(): the handler failed:', error);
  return new Response(null, { status: 500 });
}
