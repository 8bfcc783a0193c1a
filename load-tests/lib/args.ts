/** A tiny `--name value` / `--flag` command-line parser for the bench scripts. */

export class Args {
  private readonly values = new Map<string, string[]>();
  private readonly used = new Set<string>();

  constructor(argv: string[] = process.argv.slice(2)) {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
      const eq = a.indexOf('=');
      const [name, value] =
        eq > 0 ? [a.slice(2, eq), a.slice(eq + 1)] : [a.slice(2), argv[i + 1]?.startsWith('--') === false ? argv[++i] : 'true'];
      const list = this.values.get(name) ?? [];
      list.push(value);
      this.values.set(name, list);
    }
  }

  str(name: string, def: string): string;
  str(name: string): string | undefined;
  str(name: string, def?: string): string | undefined {
    this.used.add(name);
    const v = this.values.get(name);
    return v ? v[v.length - 1] : def;
  }

  all(name: string): string[] {
    this.used.add(name);
    return this.values.get(name) ?? [];
  }

  num(name: string, def: number): number {
    const v = this.str(name);
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${v}`);
    return n;
  }

  bool(name: string, def: boolean): boolean {
    const v = this.str(name);
    if (v === undefined) return def;
    if (v === 'true' || v === '1' || v === 'yes') return true;
    if (v === 'false' || v === '0' || v === 'no') return false;
    throw new Error(`--${name} must be true or false, got ${v}`);
  }

  /** Fails on any option nobody asked for (a typo must not silently change a benchmark). */
  rejectUnknown(): void {
    const unknown = [...this.values.keys()].filter((k) => !this.used.has(k));
    if (unknown.length > 0) throw new Error(`unknown option(s): ${unknown.map((k) => `--${k}`).join(', ')}`);
  }
}
