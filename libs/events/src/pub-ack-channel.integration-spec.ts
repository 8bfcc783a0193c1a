/**
 * PubAckChannel against the test nats-server: acks and duplicates from a stream of the spec's own,
 * a subject no stream captures, a subject whose only listener never answers (the ack timeout), the
 * in-flight bound, and close.
 */
import { connect, type NatsConnection, StorageType } from 'nats';
import { requireEnv, uniqueId } from '@app/devstack';
import { PubAckChannel } from './pub-ack-channel';

const enc = (s: string) => new TextEncoder().encode(s);

describe('PubAckChannel', () => {
  let nc: NatsConnection;
  let stream: string;

  beforeAll(async () => {
    nc = await connect({ servers: requireEnv('NATS_URL') });
    stream = uniqueId('PAC').toUpperCase();
    await (await nc.jetstreamManager()).streams.add({ name: stream, subjects: [`${stream}.>`], storage: StorageType.Memory });
  });

  afterAll(async () => {
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

  it('reports stored, duplicate and refused publishes', async () => {
    const ch = new PubAckChannel(nc, { inflightMax: 8, ackTimeoutMs: 5_000 });
    try {
      expect(await ch.publish(`${stream}.a`, enc('1'), 'id-1')).toEqual({ ok: true, duplicate: false });
      expect(await ch.publish(`${stream}.a`, enc('1 again'), 'id-1')).toEqual({ ok: true, duplicate: true });
      const none = await ch.publish(`${uniqueId('nostream')}.a`, enc('x'), 'id-2');
      expect(none).toEqual({ ok: false, error: expect.stringMatching(/^no responders/) });
    } finally {
      ch.close();
    }
  });

  it('fails a publish nobody acknowledges after the ack timeout, and calls onTimeout', async () => {
    const silent = `${uniqueId('silent')}.x`;
    const sub = nc.subscribe(silent); // receives, never replies
    const ch = new PubAckChannel(nc, { inflightMax: 8, ackTimeoutMs: 100 });
    let timeouts = 0;
    ch.onTimeout = () => timeouts++;
    try {
      expect(await ch.publish(silent, enc('x'), 'id-3')).toEqual({ ok: false, error: 'no ack within 100 ms' });
      expect(timeouts).toBe(1);
    } finally {
      ch.close();
      sub.unsubscribe();
    }
  });

  it('keeps at most inflightMax unacknowledged, and close fails what is pending', async () => {
    const silent = `${uniqueId('silent')}.y`;
    const sub = nc.subscribe(silent);
    const ch = new PubAckChannel(nc, { inflightMax: 3, ackTimeoutMs: 60_000 });
    try {
      const outcomes = Array.from({ length: 5 }, (_, i) => ch.publish(silent, enc('y'), `id-y-${i}`));
      await new Promise((r) => setTimeout(r, 100));
      expect(ch.hasSlot).toBe(false);
      await nc.flush();
      expect(sub.getReceived()).toBe(3);
      ch.close();
      const results = await Promise.all(outcomes);
      expect(results.slice(0, 3)).toEqual(Array(3).fill({ ok: false, error: 'publisher closed' }));
      // The two that waited for a slot got one when the first failed, and found the channel closed.
      expect(results.slice(3)).toEqual(Array(2).fill({ ok: false, error: 'publisher closed' }));
      expect(sub.getReceived()).toBe(3);
    } finally {
      sub.unsubscribe();
    }
  });
});
