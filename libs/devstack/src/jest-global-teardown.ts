import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const servers = globalThis.__RATEL_SERVERS__ ?? [];
  globalThis.__RATEL_SERVERS__ = []; // the second project's teardown has nothing left to stop
  await Promise.all(servers.map((s) => s.stop()));
  const root = process.env.RATEL_TEST_ROOT;
  if (root) rmSync(root, { recursive: true, force: true });
}
