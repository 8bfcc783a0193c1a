/** Entry point of the charging app (gRPC gateway + provisioning REST). Configuration: see README. */

import { bootstrapCharging } from './bootstrap';
import { runMain } from '@app/runtime';
import { loadChargingConfig } from './config';

async function main(): Promise<void> {
  const config = loadChargingConfig();
  await bootstrapCharging(config);
}

runMain('charging', main);
