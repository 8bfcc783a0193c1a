/** Entry point of the charging app (gRPC gateway + provisioning REST). Configuration: see README. */
import { ConfigError, loadChargingConfig } from '@app/config';
import { bootstrapCharging } from './bootstrap';

async function main(): Promise<void> {
  const config = loadChargingConfig();
  await bootstrapCharging(config);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`charging: fatal: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
