// A throwaway PostgreSQL server for tests (not a test file itself): Debian's
// `postgresql` binaries, a data folder in a fresh temporary folder, listening
// on 127.0.0.1 and a free port (another one if it was taken before the
// server bound it) with its socket in that folder. PostgreSQL
// refuses to run as root: as root (sessions, CI) the folder belongs to the
// `postgres` user and the binaries run through `runuser -u postgres --`.

import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The newest `/usr/lib/postgresql/<version>/bin` (or $PG_BIN), where Debian puts initdb and pg_ctl. */
function binDir() {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => b - a) : [];
  const found = versions.map((v) => join(root, v, 'bin')).find((dir) => existsSync(join(dir, 'pg_ctl')));
  if (!found) throw new Error('PostgreSQL not found in /usr/lib/postgresql/*/bin (scripts/setup.sh installs it; or set PG_BIN)');
  return found;
}

/** A port free right now on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Attempts at starting the server, each on a port free a moment before (another process may take it first). */
const START_ATTEMPTS = 3;

/**
 * Runs `start(options)` (pg_ctl start with these server options) on a free
 * port, and on a new one when it fails (the port taken meanwhile), at
 * most START_ATTEMPTS times; resolves the port. The socket goes in `folder`.
 */
async function startOnFreePort(start, folder) {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    try {
      await start(`-h 127.0.0.1 -p ${port} -k ${folder} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50`);
      return port;
    } catch (e) {
      if (attempt === START_ATTEMPTS) throw e;
    }
  }
}

/**
 * Starts a PostgreSQL server for one test file. Resolves `{ url, stop }`:
 * `url` is `postgres://postgres@127.0.0.1:<port>/postgres` (trust
 * authentication, loopback only), `stop()` shuts it down and deletes its
 * folder. Durability is off (fsync=off): the data is thrown away anyway.
 */
export async function startPostgres() {
  const bin = binDir();
  const asRoot = process.getuid?.() === 0;
  const folder = mkdtempSync(join(tmpdir(), 'epay-pg-'));
  const data = join(folder, 'data');
  const command = (tool, args) => (asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args]);
  const pg = (tool, args) => run(...command(tool, args));
  const stopArgs = ['stop', '-D', data, '-m', 'immediate', '-w'];
  // A test process that exits without its teardown (an uncaught error, process.exit) still stops the server.
  const onExit = () => {
    try {
      execFileSync(...command('pg_ctl', stopArgs), { stdio: 'ignore' });
    } catch { /* not running */ }
    rmSync(folder, { recursive: true, force: true });
  };
  let started = false;
  const stop = async () => {
    process.off('exit', onExit);
    if (started) await pg('pg_ctl', stopArgs).catch(() => {});
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    if (asRoot) chownSync(folder, Number((await run('id', ['-u', 'postgres'])).stdout), Number((await run('id', ['-g', 'postgres'])).stdout));
    await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync', '--no-instructions']);
    const port = await startOnFreePort((options) => pg('pg_ctl', ['start', '-D', data, '-w', '-t', '60', '-l', join(folder, 'server.log'), '-o', options]), folder);
    started = true;
    process.once('exit', onExit);
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
