/** The V8 CPU profile of one phase of a bench, taken in its own process (node:inspector), for Chrome DevTools or a summary script. */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Starts the V8 CPU profiler of this process; the returned function stops it and writes `<bench>-<phase>-<pid>.cpuprofile` in the temporary directory (the path it answers). */
export async function startProfile(bench: string, phase: string): Promise<() => Promise<string>> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: object };
    session.disconnect();
    const file = join(tmpdir(), `${bench}-${phase}-${process.pid}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return file;
  };
}
