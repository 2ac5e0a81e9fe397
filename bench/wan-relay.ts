import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { median } from './runner.js';

/**
 * A user-space WAN in front of a loopback server (the kernel here has no netem/tbf): a TCP relay
 * that delays every chunk in each direction by a fixed one-way delay (RTT/2), in order, with an
 * optional bandwidth cap per direction shared by all its connections. It forwards bytes, so TLS passes through untouched.
 * Loopback accepts at once, so the TCP handshake is modelled too: what the client sends on a new
 * connection leaves no earlier than one RTT after the accept (when its first byte could leave on a
 * real WAN, after SYN and SYN-ACK), then takes RTT/2 like any data.
 */
export interface WanProfile {
  /** Round-trip time the relay adds; each direction is delayed by half of it. */
  rttMs: number;
  /**
   * The rate of the client's access line, per direction, shared by every connection through every
   * relay of this profile (a registry and its token issuer are reached over one line, and a tool
   * that opens more connections gets no more bandwidth); none when undefined.
   */
  bytesPerSecond?: number;
}

/**
 * What crossed the relay since the last reset: connections, and round trips: one per connection
 * for its TCP handshake (the relay makes the client wait one RTT before its first byte leaves),
 * plus the client's flights (data from the client that opens a connection or follows data from
 * the server, so one per exchange it waited for).
 */
export interface RelayCounts {
  connections: number;
  roundTrips: number;
}

export interface RelayCounter {
  counts(): RelayCounts;
  reset(): void;
}

/** The counts of several relays (a registry's and its token issuer's, say) as one. */
export function together(counters: readonly RelayCounter[]): RelayCounter {
  return {
    counts: () =>
      counters.reduce(
        (sum, counter) => {
          const { connections, roundTrips } = counter.counts();
          return { connections: sum.connections + connections, roundTrips: sum.roundTrips + roundTrips };
        },
        { connections: 0, roundTrips: 0 },
      ),
    reset: () => {
      for (const counter of counters) counter.reset();
    },
  };
}

export interface WanRelay extends RelayCounter {
  /** `127.0.0.1:PORT`, for image references. */
  host: string;
  profile: WanProfile;
  stop(): Promise<void>;
}

/** 200 Mbit/s, a good office or home line. */
export const WAN_BANDWIDTH = 25_000_000;
/** Above this many bytes queued in one direction, the source is paused until the queue drains. */
const MAX_QUEUED = 4 * 1024 * 1024;

/** When one direction of a profile's line is next free to carry a byte (performance.now() ms). */
interface Line {
  freeAt: number;
}
const lines = new WeakMap<WanProfile, { up: Line; down: Line }>();

function lineOf(profile: WanProfile): { up: Line; down: Line } {
  let line = lines.get(profile);
  if (line === undefined) {
    line = { up: { freeAt: 0 }, down: { freeAt: 0 } };
    lines.set(profile, line);
  }
  return line;
}

export async function startWanRelay(target: string, profile: WanProfile): Promise<WanRelay> {
  const line = lineOf(profile);
  const [hostname, port] = target.split(':') as [string, string];
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  // Half-open both ways: an end is forwarded after the delay like data, and what is still queued
  // for a side that ended its writing is delivered (a server's last response before its FIN).
  let counts: RelayCounts = { connections: 0, roundTrips: 0 };
  const server: Server = createServer({ noDelay: true, allowHalfOpen: true }, (client) => {
    track(client);
    const openedAt = performance.now();
    counts.connections++;
    counts.roundTrips++;
    let clientSpoke = false;
    const upstream = createConnection({ host: hostname, port: Number(port), noDelay: true, allowHalfOpen: true });
    track(upstream);
    const fail = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', fail);
    upstream.on('error', fail);
    delayed(client, upstream, profile, line.up, openedAt + profile.rttMs, () => {
      if (!clientSpoke) counts.roundTrips++;
      clientSpoke = true;
    });
    delayed(upstream, client, profile, line.down, openedAt, () => (clientSpoke = false));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    profile,
    counts: () => ({ ...counts }),
    reset: () => (counts = { connections: 0, roundTrips: 0 }),
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * One direction of one connection: each chunk is due one-way-delay after it has passed the
 * (capped) `line`, which it shares with every other connection's chunks in that direction, so a
 * chunk waits for the ones before it. Chunks leave in order from a queue with their due times;
 * the end of the stream is delayed like data. Nothing of this connection enters the line before
 * `opensAt`.
 */
function delayed(source: Socket, sink: Socket, profile: WanProfile, line: Line, opensAt: number, onData: () => void): void {
  const oneWay = profile.rttMs / 2;
  const queue: { chunk: Buffer | null; due: number }[] = [];
  let queued = 0;
  let timer: NodeJS.Timeout | undefined;
  let waitingForDrain = false;

  const flush = () => {
    timer = undefined;
    while (queue.length > 0 && !waitingForDrain) {
      const head = queue[0]!;
      const wait = head.due - performance.now();
      if (wait > 0) {
        timer = setTimeout(flush, wait);
        return;
      }
      queue.shift();
      if (head.chunk === null) {
        sink.end();
        return;
      }
      queued -= head.chunk.length;
      if (source.isPaused() && queued <= MAX_QUEUED) source.resume();
      if (!sink.write(head.chunk)) {
        waitingForDrain = true;
        sink.once('drain', () => {
          waitingForDrain = false;
          flush();
        });
      }
    }
  };
  const enqueue = (chunk: Buffer | null) => {
    const now = performance.now();
    const length = chunk?.length ?? 0;
    const sent = Math.max(now, opensAt, line.freeAt) + (profile.bytesPerSecond === undefined ? 0 : (length * 1000) / profile.bytesPerSecond);
    if (profile.bytesPerSecond !== undefined) line.freeAt = sent;
    // In order within the connection even when the line was free earlier than its last chunk's turn.
    const due = Math.max(sent + oneWay, queue.at(-1)?.due ?? 0);
    queue.push({ chunk, due });
    if (timer === undefined && !waitingForDrain) flush();
  };
  source.on('data', (chunk: Buffer) => {
    onData();
    queued += chunk.length;
    enqueue(chunk);
    if (queued > MAX_QUEUED) source.pause();
  });
  source.once('end', () => enqueue(null));
}

export interface RelayAccuracy {
  /** Median of ROUND_TRIPS small request/response exchanges through the relay, less the median without it. */
  addedRttMs: number;
  rounds: number;
  /**
   * Median of FRESH_CONNECTIONS connects plus first ping-pong through the relay, less the same
   * without it: what a new connection costs before its first answer (≈ 2 RTT: handshake, exchange).
   */
  freshConnectionMs: number;
  connections: number;
}

const ROUND_TRIPS = 20;
const FRESH_CONNECTIONS = 8;

/**
 * What the relay really adds: ROUND_TRIPS one-byte ping/pongs to an echo server through a relay of
 * this profile, and as many directly, on one connection each (so no handshake is counted); then
 * FRESH_CONNECTIONS connections each way, timed from the connect to the first pong.
 */
export async function measureAddedRtt(profile: WanProfile): Promise<RelayAccuracy> {
  const echo = createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const echoHost = `127.0.0.1:${(echo.address() as AddressInfo).port}`;
  const relay = await startWanRelay(echoHost, profile);
  const added = async (measure: (host: string) => Promise<number[]>) => median(await measure(relay.host)) - median(await measure(echoHost));
  try {
    return {
      addedRttMs: await added((host) => pingPongs(host, ROUND_TRIPS)),
      rounds: ROUND_TRIPS,
      freshConnectionMs: await added(freshConnections),
      connections: FRESH_CONNECTIONS,
    };
  } finally {
    await relay.stop();
    echo.close();
  }
}

async function freshConnections(host: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < FRESH_CONNECTIONS; i++) {
    const start = performance.now();
    await pingPongs(host, 1);
    times.push(performance.now() - start);
  }
  return times;
}

/** `rounds` ping-pongs on one new connection, each timed (the connect is not). */
async function pingPongs(host: string, rounds: number): Promise<number[]> {
  const [hostname, port] = host.split(':') as [string, string];
  const socket = createConnection({ host: hostname, port: Number(port), noDelay: true });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const times: number[] = [];
  let answered: (() => void) | undefined;
  socket.on('data', () => answered?.());
  const failed = new Promise<never>((_, reject) => socket.once('error', reject));
  try {
    for (let i = 0; i < rounds; i++) {
      const start = performance.now();
      const pong = new Promise<void>((resolve) => (answered = resolve));
      socket.write('x');
      await Promise.race([pong, failed]);
      times.push(performance.now() - start);
    }
  } finally {
    socket.destroy();
  }
  return times;
}
