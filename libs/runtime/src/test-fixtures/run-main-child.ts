/** A tiny entry point for main.spec.ts: how it ends is chosen by argv[2]. */
import { ConfigError } from '@app/config';
import { createServer } from 'node:net';
import { runMain } from '../main';

const mode = process.argv[2];

runMain('spec-child', async () => {
  if (mode === 'config') throw new ConfigError('invalid spec configuration: SPEC_PORT: expected a number');
  if (mode === 'port') {
    const port = Number(process.argv[3]);
    await new Promise<void>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
  }
  if (mode === 'fail') throw new Error('boom');
});
