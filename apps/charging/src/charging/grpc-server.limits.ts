/** Limits of the gRPC server, each a named constant with its unit (TigerStyle: a limit on everything). */

/** Largest request accepted; a charging request is a few hundred bytes. Bigger ones get RESOURCE_EXHAUSTED. */
export const GRPC_RECEIVE_MESSAGE_MAX_BYTES = 64 * 1024;
/** Largest answer sent; GetBalance with many buckets and reservations is the biggest. */
export const GRPC_SEND_MESSAGE_MAX_BYTES = 4 * 1024 * 1024;
/** Concurrent calls per HTTP/2 connection; a network element multiplexes on few connections. */
export const GRPC_CONCURRENT_STREAMS_MAX = 1_000;
/** Server pings an idle connection after this long, to find dead peers behind NATs and load balancers. */
export const GRPC_KEEPALIVE_TIME_MS = 30_000;
/** A ping unanswered for this long closes the connection. */
export const GRPC_KEEPALIVE_TIMEOUT_MS = 10_000;
/** Connections are recycled after this long so that clients re-balance over new replicas. */
export const GRPC_CONNECTION_AGE_MAX_MS = 30 * 60_000;
/** Calls in flight on a recycled connection get this long to finish. */
export const GRPC_CONNECTION_AGE_GRACE_MAX_MS = 30_000;
/** Memory of one HTTP/2 session (bytes) before new streams are refused. */
export const GRPC_SESSION_MEMORY_MAX_BYTES = 16 * 1024 * 1024;
/** On shutdown, calls in flight get this long to finish before the server closes them. */
export const GRPC_SHUTDOWN_TIMEOUT_MS = 10_000;
