/**
 * Looking into a running Node process from outside, through its inspector
 * (`node --inspect=127.0.0.1:0`): which JavaScript sources V8 has compiled on its main thread, and
 * the value of an expression there. `Debugger.enable` reports each script already parsed
 * (`Debugger.scriptParsed`) before it answers, so modules a loader pulled in at run time show up
 * even though no command line names them.
 * https://chromedevtools.github.io/devtools-protocol/v8/Debugger/#method-enable
 */
import { WebSocket } from 'undici';

export interface Inspection {
  /** URLs of the scripts compiled so far (file:// for modules on disk, node: for built-ins). */
  scripts: string[];
  /** The expression's value in the process (JSON-serializable values only). */
  value: unknown;
}

/** The inspector's WebSocket URL from what `node --inspect` prints ("Debugger listening on ws://..."). */
export function inspectorUrl(output: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
}

export async function inspect(url: string, expression: string, timeoutMs = 5_000): Promise<Inspection> {
  const socket = new WebSocket(url);
  const scripts: string[] = [];
  const pending = new Map<number, (result: unknown) => void>();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; method?: string; params?: { url?: string }; result?: unknown };
    if (message.method === 'Debugger.scriptParsed' && message.params?.url) scripts.push(message.params.url);
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  const send = (id: number, method: string, params: object = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the inspector did not answer ${method}`)), timeoutMs);
      pending.set(id, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve, { once: true });
      socket.addEventListener('error', () => reject(new Error(`cannot reach the inspector at ${url}`)), { once: true });
    });
    await send(1, 'Debugger.enable');
    const evaluated = (await send(2, 'Runtime.evaluate', { expression, returnByValue: true })) as { result?: { value?: unknown } };
    return { scripts, value: evaluated.result?.value };
  } finally {
    socket.close();
  }
}
