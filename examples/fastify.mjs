// Fastify: the notify route (the handler answers on the raw response), and a
// checkout. Run: node fastify.mjs (with epay-sandbox running: `npx
// epay-sandbox`), then POST /checkout.
import Fastify from 'fastify';
import formbody from '@fastify/formbody';
import { createNodeNotifyHandler } from 'epay-wasm';
import { checkout, notifyOptions, port } from './shop.mjs';

const fastify = Fastify();
await fastify.register(formbody); // for gateways that POST the notify as a form
// #region mount
const notify = createNodeNotifyHandler(notifyOptions);
fastify.all('/epay/notify', (request, reply) => { reply.hijack(); notify(request.raw, reply.raw, request.body); });
// #endregion
fastify.post('/checkout', (request) => checkout(request.headers.host, request.ip));

const address = await fastify.listen({ port, host: '127.0.0.1' });
console.log(`listening on ${address}/`);
