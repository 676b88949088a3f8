// Express: the notify route in one line, a checkout, and the signed orders
// the page of examples/vite/ builds its form from. Run: node express.mjs (with
// epay-sandbox running: `npx epay-sandbox`), then POST /checkout, or open the
// Vite app (`npm run dev` in examples/vite/).
import express from 'express';
import { createNodeNotifyHandler } from 'epay-wasm';
import { checkout, notifyOptions, port, signedOrder } from './shop.mjs';

const app = express();
// #region mount
app.all('/epay/notify', createNodeNotifyHandler(notifyOptions)); // GET query or POSTed form, parsed or not
// #endregion
app.post('/checkout', async (req, res) => res.json(await checkout(req.get('host'), req.ip)));
app.post('/api/order', (req, res) => res.json(signedOrder(req.get('host')))); // for the page of examples/vite/

const server = app.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}/`));
