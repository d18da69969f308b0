import { type Instance, instanceAuthority } from '../registry/Instance.js';

/** `scheme://host:port` of `instance`: its `meta.scheme` when it has one, else the client's. */
export function instanceOrigin(instance: Instance, scheme: 'http' | 'https'): string {
  return `${instance.meta.scheme ?? scheme}://${instanceAuthority(instance)}`;
}

/** What an HTTP request line carries of `url`: its path and query (never the fragment). */
export function pathOf(url: URL): string {
  return url.pathname + url.search;
}
