// createNodeNotifyHandler with node:http's own types (tsconfig.node.json only:
// @types/node): its IncomingMessage and ServerResponse are what the handler
// takes, as are Express's req/res and Fastify's request.raw/reply.raw.
import { createServer } from 'node:http';
import { createNodeNotifyHandler } from 'epay-wasm';

const handler = createNodeNotifyHandler({
  pid: 1001,
  key: 'testkey123',
  loadOrder: async (outTradeNo) => (outTradeNo === 'ORDER001' ? { money: '10.00' } : null),
  onPaid: async (fields) => {
    const money: string | undefined = fields['money'];
    if (money === undefined) throw new Error('no money');
  },
});

const server = createServer((req, res) => handler(req, res));
// A parser's body (object, string or Buffer), or Express's next, as third argument.
const withBodies = createServer(async (req, res) => {
  await handler(req, res, { pid: '1001' });
  await handler(req, res, 'pid=1001');
  await handler(req, res, Buffer.from('pid=1001'));
  await handler(req, res, () => {});
});
// @ts-expect-error the request comes first, then the response
const swapped = createServer((req, res) => handler(res, req));

export { server, withBodies, swapped };
