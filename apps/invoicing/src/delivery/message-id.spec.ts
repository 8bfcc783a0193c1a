import { messageIdOf } from './message-id';

describe('messageIdOf', () => {
  it('is the same for the same key (every attempt, before and after a crash) and differs between keys', () => {
    const a = messageIdOf('INV-1:EMAIL', 'billing.example.org');
    expect(a).toBe(messageIdOf('INV-1:EMAIL', 'billing.example.org'));
    expect(a).toMatch(/^<delivery\.[0-9a-f]{32}@billing\.example\.org>$/);
    expect(messageIdOf('INV-2:EMAIL', 'billing.example.org')).not.toBe(a);
  });

  it.each(['', 'bad domain', 'a@b', '<x>'])('refuses the domain %p', (domain) => {
    expect(() => messageIdOf('k', domain)).toThrow(RangeError);
  });
});
