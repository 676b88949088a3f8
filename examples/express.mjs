// Express: the notify route in one line, and a checkout. Run: node express.mjs
// (with epay-sandbox running: `npx epay-sandbox`), then POST /checkout.
import express from 'express';
import { createNodeNotifyHandler } from 'epay-wasm';
import { checkout, notifyOptions, port } from './shop.mjs';

const app = express();
// #region mount
app.all('/epay/notify', createNodeNotifyHandler(notifyOptions)); // GET query or POSTed form, parsed or not
// #endregion
app.post('/checkout', async (req, res) => res.json(await checkout(req.get('host'), req.ip)));

const server = app.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}/`));
