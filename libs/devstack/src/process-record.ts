/**
 * Which processes a launcher (`npm start`) started, kept in a JSON file so that a later start can
 * stop what a killed one left behind. Each entry carries the process's start identity (boot id and
 * start time from /proc), so a PID the kernel has since given to another process is never signalled.
 * Without /proc (not Linux) no identity can be read, and nothing recorded is ever signalled.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/** How long a recorded process gets after its stop signal before it is SIGKILLed. */
export const RECORDED_STOP_TIMEOUT_MS = 15_000;
/** How often a stopping process is polled. */
const STOP_POLL_MS = 50;

/** A process as the kernel knows it: PID plus what tells this process from a later one with the same PID. */
export interface ProcessIdentity {
  pid: number;
  /** /proc/sys/kernel/random/boot_id: PIDs and start times restart with each boot. */
  bootId: string;
  /** Start time after boot, in clock ticks (field 22 of /proc/<pid>/stat). */
  startTicks: number;
}

export interface RecordedProcess extends ProcessIdentity {
  name: string;
  /** The signal that stops it cleanly (PostgreSQL: SIGINT, a fast shutdown). */
  stopSignal: NodeJS.Signals;
}

export interface ProcessRecordFile {
  launcher?: ProcessIdentity;
  processes: RecordedProcess[];
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** State letter and start time of a live PID, from /proc/<pid>/stat (the name may contain spaces and parentheses). */
function readStat(pid: number): { state: string; startTicks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
    return { state: fields[0], startTicks: Number(fields[19]) };
  } catch {
    return undefined;
  }
}

/** The identity of a running process; undefined when it is gone, a zombie, or /proc cannot tell. */
export function processIdentity(pid: number): ProcessIdentity | undefined {
  const boot = bootId();
  const stat = readStat(pid);
  if (boot === undefined || stat === undefined || stat.state === 'Z' || stat.state === 'X') return undefined;
  return { pid, bootId: boot, startTicks: stat.startTicks };
}

/** True while the very process `id` names runs (not a zombie, not a newer process on a reused PID). */
export function isRunning(id: ProcessIdentity): boolean {
  const now = processIdentity(id.pid);
  return now !== undefined && now.bootId === id.bootId && now.startTicks === id.startTicks;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone meanwhile
  }
}

/**
 * Stops the process `id` names, if it still runs: `stopSignal` (and SIGCONT, should it be stopped),
 * then SIGKILL after `timeoutMs`. Resolves once it is gone.
 */
export async function stopProcess(id: ProcessIdentity, stopSignal: NodeJS.Signals, timeoutMs = RECORDED_STOP_TIMEOUT_MS): Promise<void> {
  if (!isRunning(id)) return;
  signal(id.pid, stopSignal);
  signal(id.pid, 'SIGCONT');
  const deadline = Date.now() + timeoutMs;
  let killed = false;
  while (isRunning(id)) {
    if (!killed && Date.now() > deadline) {
      signal(id.pid, 'SIGKILL');
      killed = true;
    }
    await new Promise((r) => setTimeout(r, STOP_POLL_MS));
  }
}

/** The record of one launcher's processes, rewritten (atomically) on every change. */
export class ProcessRecord {
  private readonly entries: RecordedProcess[] = [];

  constructor(
    private readonly file: string,
    private readonly launcher: ProcessIdentity | undefined = processIdentity(process.pid),
  ) {}

  /** Records `pid` (at once: a launcher killed a moment later must leave it findable). */
  add(name: string, pid: number, stopSignal: NodeJS.Signals = 'SIGTERM'): RecordedProcess | undefined {
    const id = processIdentity(pid);
    if (id === undefined) return undefined; // already gone, or no /proc: nothing a later start could verify
    const entry = { name, stopSignal, ...id };
    this.entries.push(entry);
    this.write();
    return entry;
  }

  /** What is recorded, oldest first. */
  list(): readonly RecordedProcess[] {
    return this.entries;
  }

  /** Stops the recorded processes: `first` (by name) together, then the rest together; clears the record. */
  async stopAll(first: (p: RecordedProcess) => boolean, timeoutMs = RECORDED_STOP_TIMEOUT_MS): Promise<void> {
    const early = this.entries.filter(first);
    await Promise.all(early.map((p) => stopProcess(p, p.stopSignal, timeoutMs)));
    await Promise.all(this.entries.filter((p) => !first(p)).map((p) => stopProcess(p, p.stopSignal, timeoutMs)));
    this.entries.length = 0;
    rmSync(this.file, { force: true });
  }

  private write(): void {
    const content: ProcessRecordFile = { launcher: this.launcher, processes: this.entries };
    writeFileSync(`${this.file}.tmp`, JSON.stringify(content, null, 2));
    renameSync(`${this.file}.tmp`, this.file);
  }
}

/** A launcher that still runs on the same record: a second start must not take its data and ports. */
export class LauncherRunningError extends Error {}

function readRecord(file: string): ProcessRecordFile {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as ProcessRecordFile | number[];
  if (Array.isArray(parsed)) return { processes: [] }; // the old format: bare PIDs, no identity to verify
  return { launcher: parsed.launcher, processes: Array.isArray(parsed.processes) ? parsed.processes : [] };
}

/**
 * Stops what an earlier launcher recorded in `file` and left running (it was killed without its
 * clean-up), newest first, and removes the file. Throws LauncherRunningError when that launcher still
 * runs. Returns the processes it stopped.
 */
export async function stopLeftovers(file: string, timeoutMs = RECORDED_STOP_TIMEOUT_MS): Promise<RecordedProcess[]> {
  if (!existsSync(file)) return [];
  let record: ProcessRecordFile;
  try {
    record = readRecord(file);
  } catch {
    record = { processes: [] }; // torn or foreign content: nothing in it can be verified
  }
  if (record.launcher && record.launcher.pid !== process.pid && isRunning(record.launcher)) {
    throw new LauncherRunningError(`another launcher (pid ${record.launcher.pid}) is running on ${file}: stop it first`);
  }
  const alive = record.processes.filter(isRunning);
  for (const p of [...alive].reverse()) await stopProcess(p, p.stopSignal, timeoutMs);
  rmSync(file, { force: true });
  return alive;
}
