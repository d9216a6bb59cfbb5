/**
 * A stand-in MongoDB server on port 0 that speaks just enough of the wire protocol for the real
 * driver (through mongoose) to connect, and then answers each command the way a test scripts it:
 * a reply, a server error, or no answer at all (a hung primary). Every command it receives is
 * recorded, so a test can read what our code actually sends (filters, write concerns, index
 * builds) without a MongoDB server, which can't be installed on these machines.
 *
 * Wire format: https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/ (OP_MSG for
 * commands; the driver's first handshake arrives as OP_QUERY, and it accepts an OP_MSG reply to
 * it: node_modules/mongodb/src/cmap/wire_protocol/compression.ts `decompressResponse`). Replies
 * describe a standalone server of wire version 21 (MongoDB 7.0).
 */
import net from 'node:net';
import mongoose from 'mongoose';

const { BSON } = mongoose.mongo;
type Doc = Record<string, unknown>;

const OP_QUERY = 2004;
const OP_MSG = 2013;

/** One command as the server received it: its name, database and the whole document. */
export interface ReceivedCommand {
  name: string;
  db: string;
  body: Doc;
}

/** A scripted answer: a reply document, or 'hang' to never answer this command. */
export type Answer = Doc | 'hang';

export interface FakeMongo {
  uri(dbName?: string): string;
  port: number;
  /** Every command received so far, handshakes and heartbeats left out. */
  commands(): ReceivedCommand[];
  /** Replaces how commands are answered (handshakes and heartbeats are always answered). */
  answer(script: (command: ReceivedCommand) => Answer | undefined): void;
  close(): Promise<void>;
}

const HANDSHAKES = new Set(['hello', 'ismaster', 'isMaster']);

function helloReply(connectionId: number): Doc {
  return {
    helloOk: true,
    isWritablePrimary: true,
    ismaster: true,
    maxBsonObjectSize: 16 * 1024 * 1024,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId,
    minWireVersion: 0,
    maxWireVersion: 21,
    readOnly: false,
    ok: 1,
  };
}

/** What an idle server says to the commands no test scripted. */
function defaultReply(command: ReceivedCommand): Doc {
  const ns = `${command.db}.${String(command.body[command.name])}`;
  switch (command.name) {
    case 'find':
    case 'aggregate':
    case 'listIndexes':
      return { cursor: { id: 0n, ns, firstBatch: [] }, ok: 1 };
    case 'insert':
    case 'delete':
      return { n: 1, ok: 1 };
    case 'update':
      return { n: 1, nModified: 1, ok: 1 };
    case 'findAndModify':
      return { lastErrorObject: { n: 1, updatedExisting: true }, value: null, ok: 1 };
    case 'createIndexes':
      return { numIndexesBefore: 1, numIndexesAfter: 2, createdCollectionAutomatically: true, ok: 1 };
    default:
      return { ok: 1 };
  }
}

function readCString(buffer: Buffer, offset: number): [string, number] {
  const end = buffer.indexOf(0, offset);
  return [buffer.toString('utf8', offset, end), end + 1];
}

/** The command document of one OP_QUERY or OP_MSG message (document sequences folded in). */
function parseCommand(message: Buffer): { opCode: number; requestId: number; body: Doc } | undefined {
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  if (opCode === OP_QUERY) {
    const [, afterName] = readCString(message, 20);
    const start = afterName + 8; // numberToSkip, numberToReturn
    const size = message.readInt32LE(start);
    const query = BSON.deserialize(message.subarray(start, start + size), { useBigInt64: true }) as Doc;
    return { opCode, requestId, body: (query.$query as Doc | undefined) ?? query };
  }
  if (opCode !== OP_MSG) return undefined;
  const flags = message.readUInt32LE(16);
  const end = message.length - (flags & 1 ? 4 : 0);
  let offset = 20;
  let body: Doc = {};
  while (offset < end) {
    const kind = message[offset]!;
    offset += 1;
    const size = message.readInt32LE(offset);
    if (kind === 0) {
      body = { ...BSON.deserialize(message.subarray(offset, offset + size), { useBigInt64: true }) as Doc, ...body };
    } else {
      const [identifier, first] = readCString(message, offset + 4);
      const documents: Doc[] = [];
      for (let at = first; at < offset + size; ) {
        const docSize = message.readInt32LE(at);
        documents.push(BSON.deserialize(message.subarray(at, at + docSize), { useBigInt64: true }) as Doc);
        at += docSize;
      }
      body[identifier] = documents;
    }
    offset += size;
  }
  return { opCode, requestId, body };
}

function opMsgReply(responseTo: number, document: Doc): Buffer {
  const bson = BSON.serialize(document);
  const header = Buffer.alloc(21);
  header.writeInt32LE(16 + 4 + 1 + bson.length, 0);
  header.writeInt32LE(responseTo + 1_000_000, 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(OP_MSG, 12);
  header.writeUInt32LE(0, 16);
  header[20] = 0;
  return Buffer.concat([header, bson]);
}

export async function startFakeMongo(): Promise<FakeMongo> {
  const received: ReceivedCommand[] = [];
  let script: (command: ReceivedCommand) => Answer | undefined = () => undefined;
  const sockets = new Set<net.Socket>();
  let connections = 0;

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const connectionId = (connections += 1);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const message = pending.subarray(0, pending.readInt32LE(0));
        pending = pending.subarray(message.length);
        const parsed = parseCommand(message);
        if (!parsed) continue;
        const name = Object.keys(parsed.body)[0] ?? '';
        if (HANDSHAKES.has(name)) {
          socket.write(opMsgReply(parsed.requestId, helloReply(connectionId)));
          continue;
        }
        const command: ReceivedCommand = { name, db: String(parsed.body.$db ?? 'admin'), body: parsed.body };
        received.push(command);
        const answer = script(command) ?? defaultReply(command);
        if (answer !== 'hang') socket.write(opMsgReply(parsed.requestId, answer));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    uri: (dbName = 'idp') => `mongodb://127.0.0.1:${port}/${dbName}`,
    commands: () => [...received],
    answer(next) {
      script = next;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
