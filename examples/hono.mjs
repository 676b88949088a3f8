// Hono on Node (@hono/node-server): the notify route with the Web-standard
// handler (the same line on Bun, Deno and Workers), and a checkout. Run: node
// hono.mjs (with epay-sandbox running: `npx epay-sandbox`), then POST /checkout.
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createNotifyHandler } from 'epay-wasm';
import { checkout, notifyOptions, port } from './shop.mjs';

const app = new Hono();
// #region mount
const notify = createNotifyHandler(notifyOptions);
app.all('/epay/notify', (c) => notify(c.req.raw));
// #endregion
app.post('/checkout', async (c) => c.json(await checkout(c.req.header('host'), getConnInfo(c).remote.address)));

serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => console.log(`listening on http://127.0.0.1:${info.port}/`));
