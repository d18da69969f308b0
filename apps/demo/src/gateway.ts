import type { ClientOptions } from '@switchyard/core';
import { type Behaviour, work } from './behaviour.js';
import type { Discovery } from './discovery.js';
import { type ExpressInstance, startExpressService } from './expressService.js';

/**
 * `gateway` (Express): GET /checkout/:user?item=<id> asks catalog, pricing and cart in
 * parallel through `req.switchyard.fetch` (balanced, broken, retried, timed out and
 * traced by the client) and answers with all three. Switchyard errors (every instance
 * ejected, a timeout) become 503/504 through `switchyardErrorHandler()`; an upstream that
 * still answered 5xx after the retries becomes a 502 here.
 */
export function startGateway(
  discovery: Discovery,
  clientOptions: Omit<ClientOptions, 'registry'>,
  behaviour: Behaviour,
): Promise<ExpressInstance> {
  return startExpressService({
    service: 'gateway',
    name: 'gateway-0',
    discovery,
    behaviour,
    clientOptions,
    routes: (app) => {
      app.get('/checkout/:user', async (req, res) => {
        const { user } = req.params;
        const item = typeof req.query.item === 'string' ? req.query.item : '1';
        await work(behaviour);
        const answers = await Promise.allSettled([
          req.switchyard.fetch('catalog', `/items/${encodeURIComponent(item)}`),
          req.switchyard.fetch('pricing', `/price/${encodeURIComponent(item)}`),
          // Consistent hashing on the user: the same user's cart is always on the same instance.
          req.switchyard.fetch('cart', `/cart/${encodeURIComponent(user)}`, { key: user }),
        ]);
        const bodies = await Promise.all(answers.map(readJson));
        const failed = answers.find((a) => a.status === 'rejected');
        if (failed !== undefined) throw failed.reason; // → switchyardErrorHandler
        const bad = answers.findIndex((a) => a.status === 'fulfilled' && !a.value.ok);
        if (bad !== -1) {
          res.status(502).json({ error: 'upstream failed', upstream: ['catalog', 'pricing', 'cart'][bad] });
          return;
        }
        const [product, price, cart] = bodies;
        res.json({ user, product, price, cart });
      });
    },
  });
}

/** The body of a fulfilled answer (always read, so its connection is freed), else undefined. */
async function readJson(answer: PromiseSettledResult<Response>): Promise<unknown> {
  if (answer.status === 'rejected') return undefined;
  try {
    return await answer.value.json();
  } catch {
    return undefined;
  }
}
