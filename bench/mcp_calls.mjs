// Times MCP tool calls against a running daemon, in both eras, with the official clients.
//
//   node bench/mcp_calls.mjs [URL] [CALLS]     (default http://127.0.0.1:8000/mcp, 100 calls)
//
// The clients come from the tests' install: run it from daemon/target/mcp-client's parent, or with
// NODE_PATH=daemon/target/mcp-client/node_modules. Prints one line per kind of call: the median and
// the 90th percentile of the wall time a client waits for a tools/call of execute_python(print(42)).
//   legacy session     SDK 1.x, a session's own interpreter (plain JSON)
//   modern by handle   client 2.x, 2026-07-28 only, the same interpreter by contextId (an SSE stream)
//   modern, new        client 2.x, no contextId: a new interpreter for each call
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.resolve('daemon/target/mcp-client/package.json'));
const { Client: LegacyClient } = await import(require.resolve('@modelcontextprotocol/sdk/client/index.js'));
const { StreamableHTTPClientTransport: LegacyTransport } =
  await import(require.resolve('@modelcontextprotocol/sdk/client/streamableHttp.js'));
const modernModule = await import(require.resolve('@modelcontextprotocol/client'));

const url = new URL(process.argv[2] ?? 'http://127.0.0.1:8000/mcp');
const calls = Number(process.argv[3] ?? 100);
const code = 'print(42)';

async function time(label, call) {
  for (let i = 0; i < 5; i++) await call(); // warm-up, not counted
  const ms = [];
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    await call();
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const at = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))].toFixed(1);
  console.log(`${label.padEnd(18)} p50 ${at(0.5)} ms  p90 ${at(0.9)} ms  (${calls} calls)`);
}

function check(result) {
  if (result.isError || result.structuredContent?.stdout !== '42\n') {
    throw new Error(`unexpected answer: ${JSON.stringify(result)}`);
  }
  return result;
}

const legacy = new LegacyClient({ name: 'bench', version: '1' });
await legacy.connect(new LegacyTransport(url));
await time('legacy session', async () => check(await legacy.callTool({ name: 'execute_python', arguments: { code } })));

const modern = new modernModule.Client({ name: 'bench', version: '1' },
  { supportedProtocolVersions: ['2026-07-28'], versionNegotiation: { mode: 'auto' } });
await modern.connect(new modernModule.StreamableHTTPClientTransport(url));
await modern.listTools();
const first = check(await modern.callTool({ name: 'execute_python', arguments: { code } }));
const contextId = first.structuredContent.contextId;
await time('modern by handle', async () =>
  check(await modern.callTool({ name: 'execute_python', arguments: { code, contextId } })));
const made = [contextId];
await time('modern, new', async () => {
  const result = check(await modern.callTool({ name: 'execute_python', arguments: { code } }));
  made.push(result.structuredContent.contextId);
});
for (const id of made) {
  await modern.callTool({ name: 'close_python', arguments: { contextId: id } });
}
await legacy.close();
await modern.close();
process.exit(0);
