/**
 * Where the .proto sources are at run time, for tools that load them from disk (the load-test
 * servers). The charging server does not: reflection serves the descriptor set protoc generated
 * (generated/descriptor-set.ts).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The charging API's proto file, relative to the proto root. */
export const CHARGING_PROTO_FILE = 'charging/v1/charging.proto';
/** Fully-qualified name of the charging service (health and reflection use it). */
export const CHARGING_SERVICE_NAME = 'charging.v1.ChargingService';
/** How many parent directories the search for `proto/` climbs (libs/proto/src and dist/libs/proto/src). */
const PROTO_ROOT_SEARCH_DEPTH_MAX = 6;

/** The directory holding `charging/v1/charging.proto`: the first `proto/` found above this file. */
export function protoRoot(): string {
  const tried: string[] = [];
  let dir = __dirname;
  for (let i = 0; i <= PROTO_ROOT_SEARCH_DEPTH_MAX; i++) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, CHARGING_PROTO_FILE))) return candidate;
    tried.push(candidate);
    dir = dirname(dir);
  }
  throw new Error(`proto root not found; looked in ${tried.join(', ')}`);
}
