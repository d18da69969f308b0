// Case 8 (secrets): the one redactor every signal goes through, on its own. The end-to-end
// proof (planted secrets grepped out of every exported signal) is test/adapters/plantedSecrets.test.ts.
import { REDACTED, redactText, redactUrl, redactUrlQuery } from '@switchyard/core/semconv';
import { describe, expect, it } from 'vitest';

describe('case 8: redactUrl (url.full)', () => {
  it('replaces credentials by REDACTED:REDACTED, as the conventions say', () => {
    expect(redactUrl('https://user:pass@www.example.com/')).toBe('https://REDACTED:REDACTED@www.example.com/');
    // A user without a password is a credential too.
    expect(redactUrl('http://user@127.0.0.1:8080/x')).toBe('http://REDACTED:REDACTED@127.0.0.1:8080/x');
  });

  it("redacts the conventions' query keys and the usual secret names, keeps the rest and the order", () => {
    expect(
      redactUrl('https://h/p?AWSAccessKeyId=a&Signature=b&sig=c&X-Goog-Signature=d&page=2&X-Amz-Signature=e#top'),
    ).toBe(
      'https://h/p?AWSAccessKeyId=REDACTED&Signature=REDACTED&sig=REDACTED&X-Goog-Signature=REDACTED&page=2&X-Amz-Signature=REDACTED#top',
    );
    expect(
      redactUrl('http://h/p?token=1&api_key=2&apikey=3&access_token=4&password=5&client_secret=6&key=7&jwt=8&q=ok'),
    ).toBe(
      'http://h/p?token=REDACTED&api_key=REDACTED&apikey=REDACTED&access_token=REDACTED&password=REDACTED&client_secret=REDACTED&key=REDACTED&jwt=REDACTED&q=ok',
    );
  });

  it('matches keys in any case, with - _ . separators and percent-encoded', () => {
    expect(redactUrlQuery('API-KEY=1&Access.Token=2&x_auth_token=3&dbPassword=4&api%5Fkey=5&sort_key=6')).toBe(
      'API-KEY=REDACTED&Access.Token=REDACTED&x_auth_token=REDACTED&dbPassword=REDACTED&api%5Fkey=REDACTED&sort_key=6',
    );
  });

  it('redacts secrets in the fragment (OAuth implicit flow)', () => {
    expect(redactUrl('https://app/cb#access_token=abc&state=s')).toBe('https://app/cb#access_token=REDACTED&state=s');
  });

  it('gives a clean URL back unchanged, and is idempotent', () => {
    const clean = 'http://127.0.0.1:8080/items/42?page=2&sort=asc';
    expect(redactUrl(clean)).toBe(clean);
    const once = redactUrl('http://u:p@h/x?token=t');
    expect(redactUrl(once)).toBe(once);
    expect(redactUrlQuery('page=2')).toBe('page=2');
    expect(redactUrlQuery('token')).toBe('token');
  });

  it('scrubs text that is not a URL as free text', () => {
    expect(redactUrl('not a url?token=abc')).toBe(`not a url?token=${REDACTED}`);
  });
});

describe('case 8: redactText (messages, stacks, log bodies)', () => {
  it('scrubs URLs inside text: credentials and query secrets', () => {
    expect(
      redactText(
        'Request cannot be constructed from a URL that includes credentials: http://plant:pw@127.0.0.1:1/i?token=t&page=2',
      ),
    ).toBe(
      'Request cannot be constructed from a URL that includes credentials: http://REDACTED:REDACTED@127.0.0.1:1/i?token=REDACTED&page=2',
    );
  });

  it('scrubs user:password@host without a scheme', () => {
    expect(redactText('received "admin:hunter2@10.0.0.1"')).toBe('received "REDACTED:REDACTED@10.0.0.1"');
  });

  it('scrubs header, JSON and option style secrets and Authorization schemes', () => {
    expect(redactText('X-Consul-Token: 3f1c9e2a-7b4d (denied)')).toBe('X-Consul-Token: REDACTED (denied)');
    expect(redactText('{"token":"abc","name":"cart"}')).toBe('{"token":"REDACTED","name":"cart"}');
    expect(redactText('authorization: Bearer eyJhbGciOi.x.y')).toBe('authorization: REDACTED');
    expect(redactText('sent Bearer eyJhbGciOi.x.y upstream')).toBe('sent Bearer REDACTED upstream');
    expect(redactText('password=hunter2 rejected')).toBe('password=REDACTED rejected');
  });

  it('leaves ordinary text alone: stacks, scoped package paths, e-mail addresses, plain queries', () => {
    const stack = [
      'TypeError: fetch failed',
      '    at node:internal/deps/undici/undici:13510:13',
      '    at async file:///app/node_modules/@opentelemetry/sdk-trace-base/build/src/Span.js:10:5',
      '    at Object.<anonymous> (/app/node_modules/@switchyard/core/dist/index.js:1:2)',
      'HTTP 500 from http://127.0.0.1:8080/items?page=2 for ops@example.com',
    ].join('\n');
    expect(redactText(stack)).toBe(stack);
    expect(redactText('')).toBe('');
  });

  it('is idempotent', () => {
    const once = redactText('GET http://a:b@h/x?token=t failed; X-Consul-Token: abc, Bearer zzzz');
    expect(redactText(once)).toBe(once);
  });
});

describe('case 8: redactText, passwords holding @ and cookies of several pairs', () => {
  it('redacts up to the last @ before the host, as the URL parser reads it', () => {
    const scrubbed = redactText('GET https://u:p@ss@h.example/x failed; connect admin:hunter@2@db.local:5432');
    expect(scrubbed).toBe('GET https://REDACTED:REDACTED@h.example/x failed; connect REDACTED:REDACTED@db.local:5432');
  });

  it('redacts every sensitive pair of a Cookie header, not only the first', () => {
    expect(redactText('Cookie: a=b; sid=zzz')).toBe('Cookie: REDACTED; sid=REDACTED');
    // Pairs that are not secrets stay readable.
    expect(redactText('a=1; b=2 ok')).toBe('a=1; b=2 ok');
  });
});
