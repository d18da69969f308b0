import { type Behaviour, work } from './behaviour.js';
import type { Discovery } from './discovery.js';
import { type ExpressInstance, startExpressService } from './expressService.js';

/**
 * `cart` (Express): GET /cart/:user → the user's cart. The gateway routes by user with
 * consistent hashing, so each user's cart lives on one instance; `stats.keys` shows it.
 */
export function startCart(name: string, discovery: Discovery, behaviour: Behaviour): Promise<ExpressInstance> {
  return startExpressService({
    service: 'cart',
    name,
    discovery,
    behaviour,
    routes: (app, stats) => {
      app.get('/cart/:user', async (req, res) => {
        const { user } = req.params;
        stats.keys.add(user);
        await work(behaviour);
        res.json({ user, items: 1 + (user.length % 3), servedBy: name });
      });
    },
  });
}
