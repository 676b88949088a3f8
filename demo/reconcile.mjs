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
//
// A pass also settles refunds left `refunding` by a process that died
// between claiming the order and recording the gateway's answer.

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

/** The longest wait between two checks of an order left unpaid (the backoff's cap). */
const BACKOFF_CAP_SEC = 4 * 3600;

/**
 * Asks the gateway about one unpaid order through its own API and fulfils
 * it if the gateway reports it paid, not refunded, for our out_trade_no
 * (with the amount the gateway reports: the UPDATE compares it with ours).
 * Resolves true when this call fulfilled it; throws when the query failed.
 */
async function checkOrder({ orders, apis, log }, order) {
  if (!apis[order.api]) throw new Error(`API ${order.api} is not configured on this server`);
  const gateway = await apis[order.api].queryOrder(order);
  if (!gateway.paid || gateway.refunded) return false;
  if (await orders.fulfil(order.out_trade_no, { trade_no: gateway.trade_no, money: gateway.money, via: 'reconcile' })) {
    log(`reconcile ${order.out_trade_no}: paid at the gateway (trade_no ${gateway.trade_no}), fulfilled`);
    return true;
  }
  log(`reconcile ${order.out_trade_no}: paid at the gateway, not fulfilled here (paid meanwhile, or ¥${gateway.money} is not ¥${order.money})`);
  return false;
}

/**
 * One pass: every order unpaid for at least `olderThanSec` seconds,
 * created within the last day and due for a check (with `dueOnly`: see
 * below) is checked (`checkOrder`). One left unpaid (the query failed, the
 * gateway has no such order, or reports it unpaid) is asked about again
 * only after a backoff recorded in the database (`Orders#checked`): the
 * reconciliation interval (`ctx.reconcile.everySec`, a minute without a
 * job), doubling after each check, at most 4 hours. So an order abandoned
 * on the gateway's page costs about a dozen queries in its day, and one
 * paid late is still found, at most 4 hours after its payment. Then the
 * refund claims left by a process that died are settled (`recoverRefunds`).
 * @param {object} ctx
 * @param {import('./orders.mjs').Orders} ctx.orders
 * @param {Record<string, import('./apis.mjs').DemoApi>} ctx.apis
 * @param {{ everySec: number }} ctx.reconcile
 * @param {(line: string) => void} ctx.log
 * @param {number} olderThanSec
 * @param {{ dueOnly?: boolean }} [options] `dueOnly: false` (the Orders page's button) also asks about orders whose backoff has not run out.
 * @returns {Promise<{ checked: number, fulfilled: number, failed: number }>}
 */
export async function reconcile(ctx, olderThanSec, { dueOnly = true } = {}) {
  const { orders, log } = ctx;
  const backoff = { firstSec: ctx.reconcile.everySec || 60, maxSec: BACKOFF_CAP_SEC };
  const unpaid = await orders.unpaid({ olderThanSec, limit: MAX_PER_PASS, dueOnly });
  const result = { checked: unpaid.length, fulfilled: 0, failed: 0 };
  await eachLimited(unpaid, CONCURRENCY, async (order) => {
    try {
      if (await checkOrder(ctx, order)) {
        result.fulfilled += 1;
        return;
      }
    } catch (e) {
      result.failed += 1;
      log(`reconcile ${order.out_trade_no}: query failed: ${e.message}`);
    }
    await orders.checked(order.out_trade_no, backoff);
  });
  if (unpaid.length) log(`reconcile: ${result.checked} unpaid checked, ${result.fulfilled} fulfilled, ${result.failed} failed`);
  await recoverRefunds(ctx);
  return result;
}

/** A refund claim older than this was left by a process that died: its request takes well under a minute. */
const STALE_REFUND_SEC = 300;

/**
 * Ends the refund claims left behind (`Orders#staleRefunds`) as the
 * gateway reports them (`DemoApi#refundOutcome`): refunded, or paid again
 * when it did not refund (a person may then refund again). It never sends
 * a refund itself; a claim the gateway cannot settle yet is left for the
 * next pass.
 */
async function recoverRefunds({ orders, apis, log }) {
  const stale = await orders.staleRefunds({ olderThanSec: STALE_REFUND_SEC, limit: MAX_PER_PASS });
  await eachLimited(stale, CONCURRENCY, async (order) => {
    try {
      if (!apis[order.api]) throw new Error(`API ${order.api} is not configured on this server`);
      const outcome = await apis[order.api].refundOutcome(order);
      if (!outcome) return log(`reconcile ${order.out_trade_no}: refund claimed long ago, the gateway does not report it settled yet (a refund pending, or the order neither refunded nor paid): left refunding`);
      if (await orders.settleStaleRefund(order.out_trade_no, STALE_REFUND_SEC, outcome)) {
        log(`reconcile ${order.out_trade_no}: refund claimed long ago, ${outcome.refunded ? 'refunded at the gateway: recorded' : 'not refunded at the gateway: paid again'}`);
      }
    } catch (e) {
      log(`reconcile ${order.out_trade_no}: refund claimed long ago, query failed: ${e.message}`);
    }
  });
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
