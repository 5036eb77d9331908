/**
 * Secrets never enter a result file, a report or the terminal (DESIGN.md, contract 3). Everything
 * that carries text from outside (a fork's reason, a child's stderr tail, a service's error, a
 * connection string, an error printed by the CLI) goes through `redactText` or `redactUrl`:
 *
 * - the password of a URL's user part (`postgres://u:secret@h` -> `postgres://u@h`);
 * - secret-named parameters in a URL's query or in free text (`?password=`, `sslpassword=`,
 *   `PGPASSWORD=`, `"password": "..."`, `token=`, `api_key=`, ...) -> `***`;
 * - any secret the process was told about (`registerSecret`: the database password), wherever it
 *   appears, plain or URL-encoded: a driver that quotes it in its own words is caught too.
 */

const MASK = '***';

/**
 * Names whose value is a secret: password, sslpassword, PGPASSWORD, db_passwd, client_secret,
 * auth_token, api-key, ...; and `pass`, postgres.js's name for the password in its options
 */
const SECRET_NAME = '[A-Za-z0-9_.-]*(?:password|passwd|passphrase|secret|token|api[_-]?key)|pwd|pass';

/**
 * scheme://user:password@ -> scheme://user@, the password running to the authority's last '@' (as
 * the URL parser reads it): a password with an unencoded '@' or '#' (`p@ss#w0rd`) lost only its
 * part before the first '@' and printed the rest. It cannot hold '/' or white space unencoded.
 */
const URL_USER_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@'"]*):[^\s/'"]*@/gi;

/** name=value, name: value, "name": "value", name='value' -> the value masked */
const NAMED_SECRET = new RegExp(
  String.raw`(["']?)\b(${SECRET_NAME})\1(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&;,'"}\])]+)`,
  'gi',
);

const IS_SECRET_NAME = new RegExp(`^(?:${SECRET_NAME})$`, 'i');

const known = new Set<string>();

/** Too short a secret would mask ordinary words; the generated and real passwords are longer. */
const MIN_SECRET_LENGTH = 4;

/** Makes `secret` redacted wherever it appears in text that goes through `redactText`. */
export function registerSecret(secret: string | undefined): void {
  if (!secret || secret.length < MIN_SECRET_LENGTH) return;
  known.add(secret);
  try {
    known.add(decodeURIComponent(secret));
  } catch {
    // not URL-encoded text
  }
  known.add(encodeURIComponent(secret));
}

/**
 * A connection string as a URL, or undefined. libpq also takes `postgres://u:pw@/db?host=...`, an
 * empty host after a user part, which the URL parser refuses: it is read with `localhost` there
 * (`?host=` names the real one), so its password is still found.
 */
export function parseConnectionUrl(url: string): URL | undefined {
  try {
    return new URL(url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@]*@)(?=[/?#]|$)/i, '$1localhost'));
  } catch {
    return undefined;
  }
}

/** Registers the password and the secret query parameters of a connection string. */
export function registerUrlSecrets(url: string | undefined): void {
  const u = url ? parseConnectionUrl(url) : undefined;
  // not a URL: redactText's patterns still apply
  if (!u) return;
  registerSecret(u.password);
  for (const [name, value] of u.searchParams) if (IS_SECRET_NAME.test(name)) registerSecret(value);
}

/**
 * Masks only the secrets this process was told about: for a cell's key (`pass=1/node`), which the
 * free-text patterns would read as a secret-named value and mask into another cell's key.
 */
export function maskKnown(text: string): string {
  let out = text;
  // longest first, so a secret that contains another is masked whole
  for (const secret of [...known].sort((a, b) => b.length - a.length)) out = out.split(secret).join(MASK);
  return out;
}

/** Masks every secret in free text (a reason, an error message, a stderr tail). */
export function redactText(text: string): string {
  return maskKnown(text)
    .replace(URL_USER_PASSWORD, '$1$2@')
    .replace(NAMED_SECRET, (_m, quote: string, name: string, sep: string, value: string) => {
      const q = value.startsWith('"') || value.startsWith("'") ? value[0] : '';
      return `${quote}${name}${quote}${sep}${q}${MASK}${q}`;
    });
}

/**
 * A connection string with its secrets removed: postgres://u:secret@h/db?sslpassword=x ->
 * postgres://u@h/db?sslpassword=***. Text that is not a URL is redacted as free text.
 */
export function redactUrl(url: string): string {
  try {
    // the text pass first: the URL parser ends the authority at a '#' the password may hold
    const u = new URL(redactText(url));
    u.password = '';
    for (const name of [...u.searchParams.keys()]) if (IS_SECRET_NAME.test(name)) u.searchParams.set(name, MASK);
    return maskKnown(u.toString().replaceAll(encodeURIComponent(MASK), MASK));
  } catch {
    // a form the URL parser refuses (an empty host): the text patterns and known secrets
    return redactText(url);
  }
}
