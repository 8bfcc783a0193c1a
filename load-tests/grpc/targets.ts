/**
 * The gRPC servers a comparison measures, as child processes of the bench: the bare grpc-js echo,
 * the NestJS echo, an arbitrary command, or an address something else serves. A target is just an
 * address plus the PIDs whose CPU the report shows.
 */
import { join } from 'node:path';
import { COMPILED, freePort, nodeFlagsLikeMine, Started, startProcess, waitForPort } from '../lib/proc';
import type { Codec } from './echo-server';

export interface Target {
  label: string;
  address: string;
  /** Processes to meter, by role ("server" is the gRPC process itself). */
  pids: Record<string, number>;
  stop(): Promise<void>;
}

function sibling(name: string): string {
  return join(__dirname, `${name}${COMPILED ? '.js' : '.ts'}`);
}

/** Starts echo-server.ts (grpc-js) or nest-echo-server.ts as a child on a free loopback port. */
export async function startEcho(kind: 'grpc-js' | 'nest', codec: Codec, logDir: string): Promise<Target> {
  const port = await freePort();
  const file = sibling(kind === 'grpc-js' ? 'echo-server' : 'nest-echo-server');
  const p = startProcess(`${kind} echo`, process.execPath, [...nodeFlagsLikeMine(), file, '--port', String(port), '--codec', codec], {
    logFile: join(logDir, `${kind}-${codec}-echo.log`),
  });
  await waitForPort('127.0.0.1', port, p);
  return { label: `${kind} echo (${codec})`, address: `127.0.0.1:${port}`, pids: { server: p.pid }, stop: () => p.stop() };
}

/** The grpc-js echo that first runs one reserve-like Lua script per RPC on `redisUrl` (echo-server.ts --redis). */
export async function startFloor(codec: Codec, redisUrl: string, logDir: string, redisPid?: number): Promise<Target> {
  const port = await freePort();
  const p = startProcess(
    'floor echo',
    process.execPath,
    [...nodeFlagsLikeMine(), sibling('echo-server'), '--port', String(port), '--codec', codec, '--redis', redisUrl],
    {
      logFile: join(logDir, `floor-${codec}-echo.log`),
    },
  );
  await waitForPort('127.0.0.1', port, p);
  return {
    label: 'echo + 1 Lua call',
    address: `127.0.0.1:${port}`,
    pids: { server: p.pid, ...(redisPid ? { redis: redisPid } : {}) },
    stop: () => p.stop(),
  };
}

/** Runs a shell command that serves gRPC on host:port (its whole process tree is metered). */
export async function startCommand(
  label: string,
  command: string,
  address: string,
  env: Record<string, string>,
  logDir: string,
): Promise<Target> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const p: Started = startProcess(label, '/bin/sh', ['-c', command], {
    env: { ...process.env, ...env },
    logFile: join(logDir, 'target-command.log'),
  });
  await waitForPort(host, port, p);
  return { label, address, pids: { server: p.pid }, stop: () => p.stop() };
}

/** An address served by something this bench did not start (optionally with PIDs to meter). */
export function external(label: string, address: string, pids: Record<string, number>): Target {
  return { label, address, pids, stop: async () => undefined };
}
