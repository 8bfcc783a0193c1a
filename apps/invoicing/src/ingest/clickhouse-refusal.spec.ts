import { ClickHouseError } from '@clickhouse/client';
import { dataRefusalCode } from './clickhouse-refusal';

describe('dataRefusalCode', () => {
  it.each([
    [new ClickHouseError({ message: 'Too large value for FixedString(8)', code: '131' }), '131'],
    [new Error('Code: 131, e.displayText() = DB::Exception: Too large value for FixedString(8): (at row 8)'), '131'],
    [new Error('Code: 691. DB::Exception: Unknown element for enum'), '691'],
    [new ClickHouseError({ message: 'Table default.x does not exist', code: '60' }), undefined],
    [new Error('Code: 241, e.displayText() = DB::Exception: Memory limit exceeded'), undefined],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' }), undefined],
    [new Error('Timeout error.'), undefined],
    ['not an error', undefined],
  ])('%s -> %s', (err, code) => {
    expect(dataRefusalCode(err)).toBe(code);
  });
});
