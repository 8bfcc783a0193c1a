/**
 * The process record of `npm start`: a later start stops what a killed one left running, and never
 * a process that only reuses a recorded PID. Real processes (`sleep`), no servers.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunning, LauncherRunningError, processIdentity, ProcessRecord, ProcessRecordFile, stopLeftovers } from './process-record';

describe('process record', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  const sleeper = (): ChildProcess => {
    const c = spawn('sleep', ['600'], { stdio: 'ignore' });
    children.push(c);
    return c;
  };
  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ratel-record-'));
  });
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a live identity and tells a gone process', async () => {
    const c = sleeper();
    const id = processIdentity(c.pid!)!;
    expect(id.startTicks).toBeGreaterThan(0);
    expect(isRunning(id)).toBe(true);
    c.kill('SIGKILL');
    await exited(c);
    expect(isRunning(id)).toBe(false);
  });

  it('a later start stops every recorded process that still runs, even a stopped (SIGSTOP) one', async () => {
    const file = join(dir, 'pids.json');
    const [a, b] = [sleeper(), sleeper()];
    const dead = { pid: 999_999, bootId: 'x', startTicks: 1 }; // a launcher that is gone
    const record = new ProcessRecord(file, dead);
    record.add('a', a.pid!);
    record.add('b', b.pid!);
    process.kill(b.pid!, 'SIGSTOP');
    const stopped = await stopLeftovers(file);
    expect(stopped.map((p) => p.name).sort()).toEqual(['a', 'b']);
    await Promise.all([exited(a), exited(b)]);
    expect(a.signalCode).toBe('SIGTERM');
    expect(b.signalCode).toBe('SIGTERM');
  });

  it('never signals a process whose PID matches but whose start identity does not (a reused PID)', async () => {
    const file = join(dir, 'pids.json');
    const c = sleeper();
    const id = processIdentity(c.pid!)!;
    const reused: ProcessRecordFile = { processes: [{ name: 'old', stopSignal: 'SIGTERM', ...id, startTicks: id.startTicks - 1 }] };
    writeFileSync(file, JSON.stringify(reused));
    expect(await stopLeftovers(file)).toEqual([]);
    expect(isRunning(id)).toBe(true);
  });

  it('refuses to start while the launcher of the record still runs', async () => {
    const file = join(dir, 'pids.json');
    const launcher = sleeper();
    const worker = sleeper();
    new ProcessRecord(file, processIdentity(launcher.pid!)).add('w', worker.pid!);
    await expect(stopLeftovers(file)).rejects.toBeInstanceOf(LauncherRunningError);
    expect(isRunning(processIdentity(worker.pid!)!)).toBe(true);
  });

  it('stopAll stops the first group, then the rest, each by its own stop signal', async () => {
    const file = join(dir, 'pids.json');
    const [app, server] = [sleeper(), sleeper()];
    const record = new ProcessRecord(file);
    record.add('app', app.pid!);
    record.add('server', server.pid!, 'SIGINT');
    expect((JSON.parse(readFileSync(file, 'utf8')) as ProcessRecordFile).processes).toHaveLength(2);
    await record.stopAll((p) => p.name === 'app');
    await Promise.all([exited(app), exited(server)]);
    expect([app.signalCode, server.signalCode]).toEqual(['SIGTERM', 'SIGINT']);
  });
});
