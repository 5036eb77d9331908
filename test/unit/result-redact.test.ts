import { describe, expect, it } from 'vitest';
import { redactText, redactUrl, registerSecret, registerUrlSecrets } from '../../src/result/redact.js';

describe('redactText', () => {
  it.each([
    [
      'connect to postgres://bench:s3cr3t@127.0.0.1:5432/db failed',
      'connect to postgres://bench@127.0.0.1:5432/db failed',
    ],
    [
      'postgres://u@h/db?sslmode=require&password=hunter22&sslpassword=kp',
      'postgres://u@h/db?sslmode=require&password=***&sslpassword=***',
    ],
    ['PGPASSWORD=abcd1234 psql -h db', 'PGPASSWORD=*** psql -h db'],
    ['{"password":"x y z","user":"u"}', '{"password":"***","user":"u"}'],
    // postgres.js's name for it in its options
    ['{"host":"h","user":"u","pass":"x y z"}', '{"host":"h","user":"u","pass":"***"}'],
    ["password: 'quoted words'", "password: '***'"],
    ['client_secret=abc&api_key=def token: ghi', 'client_secret=***&api_key=*** token: ***'],
    ['TypeError: cannot fetch http://user:pa55@h/x', 'TypeError: cannot fetch http://user@h/x'],
    // a password with an unencoded '@' or '#': the part after its first '@' was printed
    ['connect to postgresql://bench:s3cr3t@x@db:5432/app failed', 'connect to postgresql://bench@db:5432/app failed'],
    ['postgres://bench:p@ss#w0rd@127.0.0.1:5432/db', 'postgres://bench@127.0.0.1:5432/db'],
  ])('%s', (text, expected) => {
    expect(redactText(text)).toBe(expected);
  });

  it('leaves text without secrets alone', () => {
    for (const text of [
      'password authentication failed for user "postgres"',
      'http://127.0.0.1:8080/path@x',
      'node exited with code 3 before reporting: boom',
    ])
      expect(redactText(text)).toBe(text);
  });

  it('masks a registered secret wherever it appears, plain or URL-encoded', () => {
    registerSecret('p@ss w0rd!');
    expect(redactText('login with p@ss w0rd! refused')).toBe('login with *** refused');
    expect(redactText(`url ${encodeURIComponent('p@ss w0rd!')}`)).toBe('url ***');
    registerUrlSecrets('postgres://u:Sup3rSecret@h/db?sslpassword=Key1234');
    expect(redactText('Sup3rSecret and Key1234 quoted by a driver')).toBe('*** and *** quoted by a driver');
    // an empty host, which libpq takes (?host= names it) and the URL parser does not
    registerUrlSecrets('postgres://u:EmptyH0st@/db?host=127.0.0.1');
    expect(redactText('EmptyH0st quoted')).toBe('*** quoted');
  });
});

describe('redactUrl', () => {
  it('removes the user-part password and masks secret query parameters', () => {
    expect(redactUrl('postgres://u:p%40ss@h:1/db?sslpassword=zz&application_name=a')).toBe(
      'postgres://u@h:1/db?sslpassword=***&application_name=a',
    );
    expect(redactUrl('not a url password=x')).toBe('not a url password=***');
    // the URL parser reads '#' as the start of a fragment, its host as 'ss': 'ss#w0rd' was kept
    expect(redactUrl('postgres://bench:p@ss#w0rd@127.0.0.1:5432/db')).toBe('postgres://bench@127.0.0.1:5432/db');
  });
});
