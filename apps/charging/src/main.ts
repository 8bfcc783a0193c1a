/** Entry point of the charging app (gRPC gateway + provisioning REST). Configuration: see README. */
import { loadChargingConfig } from '@app/config';
import { bootstrapCharging } from './bootstrap';
import { runMain } from '@app/runtime';

async function main(): Promise<void> {
  const config = loadChargingConfig();
  await bootstrapCharging(config);
}

runMain('charging', main);
