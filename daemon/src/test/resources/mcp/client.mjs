// Runs a plan of MCP steps through the official TypeScript SDK client and prints a JSON report.
//
//   node client.mjs '{"url": "http://127.0.0.1:8000/mcp", "headers": {...}, "steps": [...]}'
//
// Each step names a session (clients are connected on first use, one per name) and an op:
//   {"session": "a", "op": "list"}                                      tools/list
//   {"session": "a", "op": "call", "name": "...", "arguments": {...}}   tools/call
//   {"session": "a", "op": "terminate"}                                 DELETE of the session
//   {"session": "a", "op": "await", "path": "/tmp/go"}                  waits until that file exists
//   {"op": "sleep", "ms": 1500}                                        waits, touching no session
// The report has, per step, {"ok": true, "result": ...} or {"ok": false, "error": "...", "code": ...},
// and per session its id, the protocol version agreed on and the server's info.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const plan = JSON.parse(process.argv[2]);
const sessions = new Map();

async function session(name) {
  if (!sessions.has(name)) {
    const transport = new StreamableHTTPClientTransport(new URL(plan.url), {
      requestInit: { headers: plan.headers ?? {} },
    });
    const client = new Client({ name: 'interpreterd-test', version: '1.0.0' });
    await client.connect(transport);
    sessions.set(name, { client, transport });
  }
  return sessions.get(name);
}

async function run(step) {
  if (step.op === 'sleep') {
    await sleep(step.ms);
    return { slept: step.ms };
  }
  const { client, transport } = await session(step.session);
  switch (step.op) {
    case 'list':
      return await client.listTools();
    case 'call':
      return await client.callTool({ name: step.name, arguments: step.arguments ?? {} });
    case 'terminate': {
      const id = transport.sessionId;
      await transport.terminateSession();
      return { terminated: id };
    }
    case 'await': {
      // The caller checks something while the session is open, then creates the file.
      const deadline = Date.now() + 60_000;
      while (!existsSync(step.path)) {
        if (Date.now() > deadline) {
          throw new Error(`${step.path} did not appear within 60 s`);
        }
        await sleep(20);
      }
      return { awaited: step.path };
    }
    default:
      throw new Error(`unknown op ${step.op}`);
  }
}

const report = { steps: [], sessions: {} };
for (const step of plan.steps) {
  try {
    report.steps.push({ ok: true, result: await run(step) });
  } catch (error) {
    report.steps.push({ ok: false, error: String(error?.message ?? error), code: error?.code ?? null });
  }
}
for (const [name, { client, transport }] of sessions) {
  report.sessions[name] = {
    sessionId: transport.sessionId ?? null,
    protocolVersion: transport.protocolVersion ?? null,
    server: client.getServerVersion() ?? null,
  };
  await client.close();
}
console.log(JSON.stringify(report));
process.exit(0);
