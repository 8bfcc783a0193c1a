/**
 * The charging gRPC server: a plain @grpc/grpc-js Server carrying charging.v1.ChargingService,
 * the standard health service (grpc.health.v1.Health) and server reflection. Starts when the Nest
 * application has bootstrapped, drains on shutdown: health NOT_SERVING, calls in flight get
 * GRPC_SHUTDOWN_TIMEOUT_MS, then the rest are cut.
 */
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Server, ServerCredentials, ServerOptions } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';

import { Logger, LOGGER } from '@app/observability';
import { CHARGING_SERVICE_NAME } from '@app/proto';
import { ChargingGrpcController } from './charging-grpc.controller';
import { GrpcMetrics } from './grpc-metrics';
import { addReflection } from './grpc-reflection';
import { CHARGING_SERVICE_RAW_REQUESTS, chargingServiceImplementation } from './grpc-service';
import { grpcStatusOf } from './grpc-status.mapper';
import {
  GRPC_KEEPALIVE_TIME_MS,
  GRPC_KEEPALIVE_TIMEOUT_MS,
  GRPC_CONCURRENT_STREAMS_MAX,
  GRPC_CONNECTION_AGE_GRACE_MAX_MS,
  GRPC_CONNECTION_AGE_MAX_MS,
  GRPC_RECEIVE_MESSAGE_MAX_BYTES,
  GRPC_SEND_MESSAGE_MAX_BYTES,
  GRPC_SESSION_MEMORY_MAX_BYTES,
  GRPC_SHUTDOWN_TIMEOUT_MS,
} from './grpc-server.limits';
import { serverCredentials, transportSecurity } from './server-credentials';
import { CHARGING_CONFIG, ChargingConfig } from '../config';

export const GRPC_SERVER_OPTIONS: ServerOptions = {
  'grpc.max_receive_message_length': GRPC_RECEIVE_MESSAGE_MAX_BYTES,
  'grpc.max_send_message_length': GRPC_SEND_MESSAGE_MAX_BYTES,
  'grpc.max_concurrent_streams': GRPC_CONCURRENT_STREAMS_MAX,
  'grpc.keepalive_time_ms': GRPC_KEEPALIVE_TIME_MS,
  'grpc.keepalive_timeout_ms': GRPC_KEEPALIVE_TIMEOUT_MS,
  'grpc.max_connection_age_ms': GRPC_CONNECTION_AGE_MAX_MS,
  'grpc.max_connection_age_grace_ms': GRPC_CONNECTION_AGE_GRACE_MAX_MS,
  'grpc-node.max_session_memory': GRPC_SESSION_MEMORY_MAX_BYTES,
  // No channelz service is registered, so nothing reads what grpc-js would track for it on every
  // call and every stream (call counters, timestamps, per-socket stream counts).
  'grpc.enable_channelz': 0,
};

/** Services whose health is reported: the whole server ("") and the charging service. */
const HEALTH_SERVICES = ['', CHARGING_SERVICE_NAME];

@Injectable()
export class GrpcServerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;
  private health?: HealthImplementation;
  private boundPort?: number;

  constructor(
    @Inject(CHARGING_CONFIG) private readonly config: ChargingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly controller: ChargingGrpcController,
    private readonly metrics: GrpcMetrics,
  ) {}

  /** The port the server listens on (the real one when RATEL_GRPC_PORT is 0). */
  get port(): number {
    if (this.boundPort === undefined) throw new Error('gRPC server is not listening');
    return this.boundPort;
  }

  async onApplicationBootstrap(): Promise<void> {
    const credentials = serverCredentials(this.config);
    const server = new Server(GRPC_SERVER_OPTIONS);
    const toStatus = (err: unknown, method: string) => grpcStatusOf(err, method, this.logger);
    server.addService(CHARGING_SERVICE_RAW_REQUESTS, chargingServiceImplementation(this.controller, this.metrics, toStatus));
    this.health = new HealthImplementation(Object.fromEntries(HEALTH_SERVICES.map((s) => [s, 'NOT_SERVING'])));
    this.health.addToServer(server);
    addReflection(server);
    try {
      this.boundPort = await bind(server, this.config.RATEL_GRPC_HOST, this.config.RATEL_GRPC_PORT, credentials);
    } catch (err) {
      server.forceShutdown();
      throw err;
    }
    this.server = server;
    for (const s of HEALTH_SERVICES) this.health.setStatus(s, 'SERVING');
    this.logger.info(
      { host: this.config.RATEL_GRPC_HOST, port: this.boundPort, security: transportSecurity(this.config) },
      'charging gRPC server listening',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of HEALTH_SERVICES) this.health?.setStatus(s, 'NOT_SERVING');
    const drained = await drain(server, GRPC_SHUTDOWN_TIMEOUT_MS);
    if (!drained) {
      this.logger.warn({ timeoutMs: GRPC_SHUTDOWN_TIMEOUT_MS }, 'gRPC calls still in flight at shutdown timeout; forcing');
      server.forceShutdown();
    }
    this.boundPort = undefined;
    this.logger.info('charging gRPC server stopped');
  }
}

function hostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

function bind(server: Server, host: string, port: number, credentials: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(hostPort(host, port), credentials, (err, bound) => (err ? reject(err) : resolve(bound)));
  });
}

/** tryShutdown bounded by `timeoutMs`; true when every call finished in time. */
function drain(server: Server, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
