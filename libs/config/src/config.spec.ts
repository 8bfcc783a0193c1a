import { z } from 'zod';
import { bool, ConfigError, loadConfig, port, redactConfig } from './config';

describe('loadConfig', () => {
  const schema = z.object({ FLAG: bool.default(false), PORT: port.default(80), NAME: z.string().min(1) });

  it('reads booleans, ports and defaults', () => {
    expect(loadConfig(schema, { NAME: 'x', FLAG: '1', PORT: '0' })).toEqual({ NAME: 'x', FLAG: true, PORT: 0 });
    expect(loadConfig(schema, { NAME: 'x' })).toEqual({ NAME: 'x', FLAG: false, PORT: 80 });
  });

  it('names every bad variable at once', () => {
    expect(() => loadConfig(schema, { FLAG: 'yes', PORT: '70000' })).toThrow(ConfigError);
    expect(() => loadConfig(schema, { FLAG: 'yes', PORT: '70000' })).toThrow(/NAME[\s\S]*FLAG[\s\S]*PORT|FLAG[\s\S]*PORT[\s\S]*NAME/);
  });

  it('masks secrets', () => {
    expect(redactConfig({ RATEL_API_KEYS: 'k', DATABASE_URL: 'postgres://u:p@h/d', OTHER: 'v' })).toEqual({
      RATEL_API_KEYS: '***',
      DATABASE_URL: '***',
      OTHER: 'v',
    });
  });
});
