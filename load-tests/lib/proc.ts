/**
 * Processes a bench starts and the CPU they burn. Only children started here are ever signalled,
 * by their own PID (or their own process group, which `detached` gives them). CPU time comes
 * from /proc, so it covers a server written in any language, and the whole process tree of a
 * command such as `npm start`.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { Socket } from 'node:net';

/** How long a started server may take to accept connections. */
export const START_TIMEOUT_MS = 60_000;
/** How long a child gets after SIGTERM before SIGKILL. */
export const STOP_TIMEOUT_MS = 5_000;
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on every Linux we run on). */
const USER_HZ = 100;

/** The node flags that run a TypeScript file of this repository directly. */
export const TS_NODE_FLAGS = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];

/** Flags to run a sibling script the way this process was run (ts-node or compiled JS). */
/** Whether this code runs compiled (`npm run build`, dist/): then so do the processes it starts. */
export const COMPILED = !__filename.endsWith('.ts');
/** Node flags of a compiled process: `@app/*` resolved into dist/ (TS_NODE_BASEURL, see withDistEnv). */
export const DIST_NODE_FLAGS = ['-r', 'tsconfig-paths/register'];

/**
 * The node flags for a child that runs like this process: ts-node when this is TypeScript, else
 * tsconfig-paths over dist/. (ts-node loads node:repl, which loads node:domain and so slows every
 * EventEmitter and callback of the process: measure compiled, as production runs.)
 */
export function nodeFlagsLikeMine(): string[] {
  return COMPILED ? DIST_NODE_FLAGS : TS_NODE_FLAGS;
}

export { freePort } from '@app/devstack';

export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.setTimeout(1000);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => {
      s.destroy();
      resolve(false);
    });
    s.connect(port, host);
  });
}

/** Waits until host:port accepts TCP, or the child (when given) exits, or the timeout passes. */
export async function waitForPort(host: string, port: number, child?: Started, timeoutMs = START_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await canConnect(host, port)) return;
    if (child && child.exited()) throw new Error(`${child.name} exited before ${host}:${port} opened; see ${child.logFile}`);
    if (Date.now() > deadline) throw new Error(`${host}:${port} did not open within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Started {
  name: string;
  pid: number;
  logFile: string;
  exited(): boolean;
  /** Exit code once exited (null when killed by a signal or still running). */
  exitCode(): number | null;
  /** Resolves when the process has exited. */
  done: Promise<void>;
  /** SIGTERM to the child's process group, SIGKILL after STOP_TIMEOUT_MS; resolves on exit. */
  stop(): Promise<void>;
}

/** Starts a command in its own process group, output appended to logFile. */
export function startProcess(
  name: string,
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; logFile: string },
): Started {
  const log = openSync(opts.logFile, 'a');
  const child: ChildProcess = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', log, log],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`could not start ${name}: ${cmd}`);
  const pid = child.pid;
  let done = child.exitCode !== null;
  let code: number | null = child.exitCode;
  const exitedP = new Promise<void>((r) =>
    child.once('exit', (c) => {
      done = true;
      code = c;
      r();
    }),
  );
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* group already gone */
    }
  };
  live.add(pid);
  void exitedP.then(() => live.delete(pid));
  return {
    name,
    pid,
    logFile: opts.logFile,
    exited: () => done,
    exitCode: () => code,
    done: exitedP,
    async stop() {
      if (done) return;
      signal('SIGTERM');
      const t = setTimeout(() => signal('SIGKILL'), STOP_TIMEOUT_MS);
      await exitedP;
      clearTimeout(t);
    },
  };
}

/** PIDs (process groups) started here and still running. */
const live = new Set<number>();
let cleanupInstalled = false;

/** Adds a process group started elsewhere in this process (e.g. by @app/devstack) to the cleanup. */
export function trackForCleanup(pid: number): void {
  live.add(pid);
}

/** Forgets a tracked process group once it has been stopped. */
export function untrack(pid: number): void {
  live.delete(pid);
}

/**
 * Makes sure children started here do not outlive this process: on exit (normal, Ctrl-C,
 * SIGTERM or a crash) every still-running child group gets SIGKILL.
 */
export function installChildCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const killAll = () => {
    for (const pid of live) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    live.clear();
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** Runs a command to completion (output to logFile); rejects on a non-zero exit or timeout. */
export async function runToEnd(
  name: string,
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; logFile: string; timeoutMs: number },
): Promise<void> {
  const p = startProcess(name, cmd, args, opts);
  const timer = setTimeout(() => void p.stop(), opts.timeoutMs);
  await p.done;
  clearTimeout(timer);
  if (p.exitCode() !== 0) throw new Error(`${name} failed with exit code ${p.exitCode()} (see ${opts.logFile})`);
}

/**
 * CPU seconds (user + system) used so far by a process and all its descendants, the exited ones
 * included once their parent has waited for them (cutime + cstime: PostgreSQL's backends of closed
 * connections, parallel workers, a bench's finished worker processes); 0 if gone.
 */
export function cpuSecondsOfTree(rootPid: number): number {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    ticks.set(stat.pid, stat.ticks);
    const list = children.get(stat.ppid) ?? [];
    list.push(stat.pid);
    children.set(stat.ppid, list);
  }
  let total = 0;
  const todo = [rootPid];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    total += ticks.get(pid) ?? 0;
    todo.push(...(children.get(pid) ?? []));
  }
  return total / USER_HZ;
}

function readStat(pid: number): { pid: number; ppid: number; ticks: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // rest[0] = state (field 3), rest[1] = ppid (4), rest[11] = utime (14), rest[12] = stime (15),
    // rest[13] = cutime (16), rest[14] = cstime (17): the waited-for children's.
    return { pid, ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]) };
  } catch {
    return undefined;
  }
}

/** Whole-machine CPU counters (all cores) from /proc/stat, in ticks. */
export function machineCpuTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Measures CPU of given process trees and of the machine between start() and stop(). */
export class CpuMeter {
  private t0 = 0;
  private m0 = { busy: 0, total: 0 };
  private p0 = new Map<number, number>();

  constructor(private readonly pids: number[]) {}

  start(): void {
    this.t0 = Date.now();
    this.m0 = machineCpuTicks();
    for (const pid of this.pids) this.p0.set(pid, cpuSecondsOfTree(pid));
  }

  /** CPU used per process tree in cores (1.0 = one core busy), and machine busy share in cores. */
  stop(): { seconds: number; coresByPid: Map<number, number>; machineBusyCores: number; machineCores: number } {
    const seconds = (Date.now() - this.t0) / 1000;
    const m1 = machineCpuTicks();
    const coresByPid = new Map<number, number>();
    for (const pid of this.pids) coresByPid.set(pid, (cpuSecondsOfTree(pid) - (this.p0.get(pid) ?? 0)) / seconds);
    const totalTicks = m1.total - this.m0.total;
    const machineCores = Math.round(totalTicks / USER_HZ / seconds) || 1;
    return { seconds, coresByPid, machineBusyCores: (m1.busy - this.m0.busy) / USER_HZ / seconds, machineCores };
  }
}

/** Samples the CPU seconds of a process tree every intervalMs and keeps the latest reading. */
export class CpuPoller {
  private last: { cpuSeconds: number; t: number };
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs: number,
  ) {
    this.last = { cpuSeconds: cpuSecondsOfTree(pid), t: Date.now() };
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    const cpuSeconds = cpuSecondsOfTree(this.pid);
    // A process that has exited reads 0: keep the last real reading.
    if (cpuSeconds >= this.last.cpuSeconds) this.last = { cpuSeconds, t: Date.now() };
  }

  latest(): { cpuSeconds: number; t: number } {
    this.sample();
    return this.last;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The kernel's pool of huge pages (/proc/meminfo): how many it reserves, and how many processes hold (in use or reserved by a mapping). */
export interface HugePages {
  total: number;
  held: number;
  sizeKb: number;
}

export function hugePages(): HugePages {
  const info = readFileSync('/proc/meminfo', 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  const total = field('HugePages_Total');
  return { total, held: total - field('HugePages_Free') + field('HugePages_Rsvd'), sizeKb: field('Hugepagesize') };
}

/**
 * One line saying whether a server started between `before` and now mapped its shared memory in huge pages
 * (PostgreSQL's default `huge_pages=try` does when the kernel reserves enough: `vm.nr_hugepages`).
 */
export function hugePagesLine(before: HugePages): string {
  const now = hugePages();
  const taken = now.held - before.held;
  if (now.total === 0) return 'huge pages: none reserved by the kernel (vm.nr_hugepages=0): shared memory in 4 kB pages';
  return taken > 0
    ? `huge pages: the server holds ${taken} of the kernel's ${now.total} (${now.sizeKb} kB each)`
    : `huge pages: the kernel reserves ${now.total}, the server took none (too few free for its shared memory)`;
}
