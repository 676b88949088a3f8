// Reconciliation: asks the gateway (`queryOrder`) about the orders still
// unpaid here and fulfils those it reports paid, through the same
// exactly-once statement as a notify (Orders#fulfil). Real gateways retry a
// notify only from a cron job, some never, and a notify can be lost for
// good (our server down, a network split): without this an order paid by
// the shopper could stay unpaid here.
//
// Each instance may run the periodic job: the conditional UPDATE makes a
// pass racing a notify, or another instance's pass, fulfil nothing twice
// (it only costs a few extra queries to the gateway; run the job on one
// instance with `--reconcile-every 0` on the others to avoid them).

/** Queries at most this many orders at a time, so a long backlog does not flood the gateway. */
const CONCURRENCY = 8;
/** At most this many orders per pass (the oldest first); the next pass takes the rest. */
const MAX_PER_PASS = 1000;

/** Runs `fn` on every item, `limit` at a time. */
async function eachLimited(items, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * One pass: every order unpaid for at least `olderThanSec` seconds (and
 * created within the last day) is queried through its own API (V1 or V2);
 * one the gateway reports paid, not refunded, for our out_trade_no, is
 * fulfilled with the amount the gateway reports (the UPDATE compares it
 * with ours). An order whose query fails is counted and left for the next
 * pass.
 * @param {object} ctx
 * @param {import('./orders.mjs').Orders} ctx.orders
 * @param {Record<string, import('./apis.mjs').DemoApi>} ctx.apis
 * @param {(line: string) => void} ctx.log
 * @param {number} olderThanSec
 * @returns {Promise<{ checked: number, fulfilled: number, failed: number }>}
 */
export async function reconcile({ orders, apis, log }, olderThanSec) {
  const unpaid = await orders.unpaid({ olderThanSec, limit: MAX_PER_PASS });
  const result = { checked: unpaid.length, fulfilled: 0, failed: 0 };
  await eachLimited(unpaid, CONCURRENCY, async (order) => {
    try {
      if (!apis[order.api]) throw new Error(`API ${order.api} is not configured on this server`);
      const gateway = await apis[order.api].queryOrder(order);
      if (gateway.out_trade_no !== order.out_trade_no) throw new Error(`the gateway answered about ${gateway.out_trade_no}`);
      if (!gateway.paid || gateway.refunded) return;
      if (await orders.fulfil(order.out_trade_no, { trade_no: gateway.trade_no, money: gateway.money, via: 'reconcile' })) {
        result.fulfilled += 1;
        log(`reconcile ${order.out_trade_no}: paid at the gateway (trade_no ${gateway.trade_no}), fulfilled`);
      } else {
        log(`reconcile ${order.out_trade_no}: paid at the gateway, not fulfilled here (paid meanwhile, or ¥${gateway.money} is not ¥${order.money})`);
      }
    } catch (e) {
      result.failed += 1;
      log(`reconcile ${order.out_trade_no}: query failed: ${e.message}`);
    }
  });
  if (unpaid.length) log(`reconcile: ${result.checked} unpaid checked, ${result.fulfilled} fulfilled, ${result.failed} failed`);
  return result;
}

/**
 * Runs `pass()` every `everySec` seconds (0: never), one pass at a time;
 * a pass that throws is logged and the job goes on. The timer does not
 * keep the process alive. Returns `stop()`, which waits for a running pass.
 */
export function startReconcileJob(everySec, pass, log) {
  if (!everySec) return async () => {};
  let timer;
  let running = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = pass()
      .catch((e) => log(`reconcile: pass failed: ${e.message}`))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, everySec * 1000).unref();
      });
  };
  timer = setTimeout(tick, everySec * 1000).unref();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
