// The demo merchant on PostgreSQL: Debian's server started here in a
// temporary folder (tests/js/postgres.mjs), TWO merchant instances on it,
// as behind a load balancer. See demo-db-cases.mjs for the suite.
//
//   bash scripts/build.sh && node --test tests/js/demo-db-postgres.test.mjs

import { startPostgres } from './postgres.mjs';
import { demoDbSuite } from './demo-db-cases.mjs';

demoDbSuite({
  async databases() {
    const server = await startPostgres();
    return { options: [{ url: server.url }, { url: server.url }], close: server.stop };
  },
});
