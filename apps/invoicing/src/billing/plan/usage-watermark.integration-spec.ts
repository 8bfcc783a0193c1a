/** The usage watermark is the sink consumer's ack floor, read from real NATS JetStream. */
import { requireEnv, uniqueId } from '@app/devstack';
import { AckPolicy, connect, JetStreamManager, NatsConnection } from 'nats';
import { SinkAckFloorWatermark } from './usage-watermark';

describe('SinkAckFloorWatermark', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const stream = uniqueId('WM');
  beforeAll(async () => {
    nc = await connect({ servers: requireEnv('NATS_URL') });
    jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
    await jsm.consumers.add(stream, { durable_name: 'sink', ack_policy: AckPolicy.Explicit });
  });
  afterAll(async () => {
    await jsm?.streams.delete(stream).catch(() => undefined);
    await nc?.close();
  });

  it('is the highest position at and below which every message is acknowledged', async () => {
    const js = nc.jetstream();
    for (let i = 0; i < 6; i++) await js.publish(`${stream}.e`, new TextEncoder().encode(String(i)));
    const watermark = new SinkAckFloorWatermark(jsm, stream, 'sink');
    expect(await watermark.read()).toBe(0n);
    const consumer = await js.consumers.get(stream, 'sink');
    const msgs = [];
    for await (const m of await consumer.fetch({ max_messages: 5, expires: 2000 })) msgs.push(m);
    expect(msgs.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    // 1, 2 and 4 acknowledged: the floor stops below the gap at 3.
    for (const m of [msgs[0], msgs[1], msgs[3]]) await m.ackAck();
    expect(await watermark.read()).toBe(2n);
    await msgs[2].ackAck();
    expect(await watermark.read()).toBe(4n);
  });

  it('refuses with USAGE_NOT_READY when the sink consumer does not exist', async () => {
    await expect(new SinkAckFloorWatermark(jsm, stream, 'no-such-consumer').read()).rejects.toMatchObject({ code: 'USAGE_NOT_READY' });
  });
});
