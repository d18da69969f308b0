import { type Behaviour, work } from './behaviour.js';
import type { Discovery } from './discovery.js';
import { type ExpressInstance, startExpressService } from './expressService.js';

/** `catalog` (Express): GET /items/:id → the item. */
export function startCatalog(name: string, discovery: Discovery, behaviour: Behaviour): Promise<ExpressInstance> {
  return startExpressService({
    service: 'catalog',
    name,
    discovery,
    behaviour,
    routes: (app) => {
      app.get('/items/:id', async (req, res) => {
        await work(behaviour);
        if (behaviour.failWith !== undefined) {
          res.status(behaviour.failWith).json({ error: 'catalog unavailable' });
          return;
        }
        const id = Number(req.params.id);
        res.json({ id, title: `Widget #${id}`, servedBy: name });
      });
    },
  });
}
