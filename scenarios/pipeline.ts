/**
 * Pipeline stages: ITEMS packets flow from a source through `stages` transform stages into a sink.
 * One op moves the whole batch; the harness divides its time by ITEMS (itemsPerOp): time per item.
 *
 * Every stage makes a new packet and passes the body on by reference: no stage copies. Stage s marks
 * the packet as through it (hops = s + 1) only if it came through stages 0..s-1 in order, else off
 * route: the sink takes a packet with hops !== stages as bad, so a pipeline that skips a stage fails
 * verify even if another stage runs twice. One compare per item per stage, the same in every case.
 * A pipeline that fuses all stages into one still passes: its packets are those of the
 * async-generator chain, which also hands each packet through every stage before the next.
 * `itemSize` is the body the source allocates per packet, a number ('small') or a 4 KiB
 * Uint8Array ('4KiB', a typical I/O chunk), so it changes the allocation and GC load the pipeline
 * carries. Every buffered case holds at most STAGE_BOUND packets per buffer, and has at most one
 * buffer in front of each stage plus one after the last; the async-generator chain holds none (each
 * stage pulls one packet at a time). So the source never runs more than leadLimit(stages) =
 * (stages + 1) x (STAGE_BOUND + 1) packets ahead of the sink (one packet in hand per buffer as
 * slack): verify runs the op once more with the source noting its lead over the sink ('source
 * lead', packets) and fails a pipeline that buffers beyond it, e.g. one that runs each stage over
 * the whole batch instead of streaming. The source also counts the packets it made in that run: all
 * of them, or the sink came from elsewhere (one kept from an earlier call shows no lead at all).
 */
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { defineScenario, pipeline, type Stage, type VerifyContext } from 'asyncbench';

/** packets moved by one op */
export const ITEMS = 1000;
/** packets a stage may buffer, the same for every buffered case */
export const STAGE_BOUND = 16;

/** the most packets the source may be ahead of the sink: STAGE_BOUND + 1 per buffer, stages + 1 buffers */
export function leadLimit(stages: number): number {
  return (stages + 1) * (STAGE_BOUND + 1);
}

const BODY_BYTES = { small: 0, '4KiB': 4096 } as const;

export interface Packet {
  id: number;
  hops: number;
  body: number | Uint8Array;
}

export interface PipelineState {
  stages: number;
  bodyBytes: number;
  /** set by verify for one run: the source then notes how far it ran ahead of the sink */
  lead?: Lead;
}

/** How far the source ran ahead of the sink: packets made but not yet received, at most. */
export interface Lead {
  peak: number;
  /** packets the source made in the run: all of them, or the sink's packets came from elsewhere */
  made: number;
}

/** What reached the sink: how many packets, and how many were out of order or not fully processed. */
export class Sink {
  received = 0;
  bad = 0;

  constructor(private readonly state: PipelineState) {}

  accept(packet: Packet): void {
    const bytes = typeof packet.body === 'number' ? 0 : packet.body.byteLength;
    if (packet.id !== this.received || packet.hops !== this.state.stages || bytes !== this.state.bodyBytes) this.bad++;
    this.received++;
  }
}

function makePacket(state: PipelineState, id: number): Packet {
  return { id, hops: 0, body: state.bodyBytes === 0 ? id : new Uint8Array(state.bodyBytes) };
}

/** a packet's `hops` once it skipped a stage or took one out of order: it never reaches `stages` */
export const OFF_ROUTE = -1;

/**
 * The work of stage `stage` (0-based): a new packet marked as through it. The mark counts only if
 * the packet came through every stage before it, in order (hops === stage), so a pipeline that
 * skips a stage, or makes up the count by running another twice, sends OFF_ROUTE to the sink.
 */
export function advance(packet: Packet, stage: number): Packet {
  return { id: packet.id, hops: packet.hops === stage ? stage + 1 : OFF_ROUTE, body: packet.body };
}

/** the source: ITEMS packets; in verify's run it also notes its lead over the sink */
export function packets(state: PipelineState, sink: Sink): Generator<Packet> {
  return state.lead === undefined ? allPackets(state) : packetsAhead(state, sink, state.lead);
}

function* allPackets(state: PipelineState): Generator<Packet> {
  for (let id = 0; id < ITEMS; id++) yield makePacket(state, id);
}

function* packetsAhead(state: PipelineState, sink: Sink, lead: Lead): Generator<Packet> {
  for (let id = 0; id < ITEMS; id++) {
    lead.peak = Math.max(lead.peak, id - sink.received);
    lead.made++;
    yield makePacket(state, id);
  }
}

async function viaPatternsPipeline(state: PipelineState, sink: Sink): Promise<void> {
  const stages = Array.from(
    { length: state.stages },
    (_, s) => ({ fn: (packet: Packet) => advance(packet, s), bound: STAGE_BOUND }) as Stage<unknown, unknown>,
  );
  for await (const packet of pipeline(packets(state, sink), ...stages)) sink.accept(packet as Packet);
}

async function viaWebStreams(state: PipelineState, sink: Sink): Promise<void> {
  const strategy = new CountQueuingStrategy({ highWaterMark: STAGE_BOUND });
  const source = packets(state, sink);
  let stream = new ReadableStream<Packet>(
    {
      pull(controller) {
        const next = source.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
    },
    strategy,
  );
  for (let s = 0; s < state.stages; s++) {
    const stage = new TransformStream<Packet, Packet>(
      { transform: (packet, controller) => controller.enqueue(advance(packet, s)) },
      strategy,
      strategy,
    );
    stream = stream.pipeThrough(stage);
  }
  await stream.pipeTo(new WritableStream({ write: (packet) => sink.accept(packet) }, strategy));
}

async function* generatorSource(state: PipelineState, sink: Sink): AsyncGenerator<Packet> {
  yield* packets(state, sink);
}

async function* generatorStage(input: AsyncIterable<Packet>, stage: number): AsyncGenerator<Packet> {
  for await (const packet of input) yield advance(packet, stage);
}

async function viaGeneratorChain(state: PipelineState, sink: Sink): Promise<void> {
  let chain: AsyncIterable<Packet> = generatorSource(state, sink);
  for (let s = 0; s < state.stages; s++) chain = generatorStage(chain, s);
  for await (const packet of chain) sink.accept(packet);
}

async function viaNodeStreams(state: PipelineState, sink: Sink): Promise<void> {
  const options = { objectMode: true, highWaterMark: STAGE_BOUND };
  const transforms = Array.from(
    { length: state.stages },
    (_, s) => new Transform({ ...options, transform: (packet, _encoding, done) => done(null, advance(packet, s)) }),
  );
  const writable = new Writable({
    ...options,
    write(packet, _encoding, done) {
      sink.accept(packet);
      done();
    },
  });
  await streamPipeline([Readable.from(packets(state, sink), options), ...transforms, writable]);
}

function pipelineCase(run: (state: PipelineState, sink: Sink) => Promise<void>) {
  return ({ state }: { state: PipelineState }) =>
    async (): Promise<Sink> => {
      const sink = new Sink(state);
      await run(state, sink);
      return sink;
    };
}

function checkSink(sink: Sink): void {
  if (sink.received !== ITEMS) throw new Error(`${sink.received} of ${ITEMS} packets reached the sink`);
  if (sink.bad > 0) throw new Error(`${sink.bad} packets arrived out of order or not through every stage`);
}

async function verify(ctx: VerifyContext<PipelineState>): Promise<void> {
  checkSink((await ctx.op()) as Sink);
  const lead: Lead = { peak: 0, made: 0 };
  ctx.state.lead = lead;
  try {
    checkSink((await ctx.op()) as Sink);
  } finally {
    ctx.state.lead = undefined;
  }
  ctx.record('source lead', lead.peak, 'packets');
  // a sink kept from an earlier call is right too, and its source never ran behind: no lead at all
  if (lead.made !== ITEMS)
    throw new Error(`the source made ${lead.made} of ${ITEMS} packets in verify's run: the sink's came from elsewhere`);
  if (lead.peak > leadLimit(ctx.state.stages))
    throw new Error(
      `the source ran ${lead.peak} packets ahead of the sink, more than ${leadLimit(ctx.state.stages)} ` +
        `(${ctx.state.stages} stages of at most ${STAGE_BOUND} buffered): the stages do not stream`,
    );
}

export default defineScenario<PipelineState>({
  id: 'pipeline',
  title: 'Pipeline stages over bounded buffers',
  pattern: 'Structured concurrency: pipeline stages',
  kind: 'micro',
  metric: { name: 'time per item', unit: 'ns', better: 'lower' },
  itemsPerOp: () => ITEMS,
  params: { stages: [3], itemSize: ['small', '4KiB'] },
  defaults: { itemSize: ['4KiB'] },
  setup: ({ params }) => ({
    stages: Number(params.stages),
    bodyBytes: BODY_BYTES[String(params.itemSize) as keyof typeof BODY_BYTES] ?? Number(params.itemSize),
  }),
  cases: {
    'patterns pipeline': pipelineCase(viaPatternsPipeline),
    'Web Streams pipeThrough': pipelineCase(viaWebStreams),
    'async generator chain': pipelineCase(viaGeneratorChain),
    'node:stream pipeline': pipelineCase(viaNodeStreams),
  },
  verify,
});
