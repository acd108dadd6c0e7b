// Runs a plan of MCP steps through an official TypeScript SDK client and prints a JSON report.
//
//   node client.mjs '{"url": "http://127.0.0.1:8000/mcp", "headers": {...}, "era": "legacy", "steps": [...]}'
//
// "era" chooses the client: "legacy" (the default) is @modelcontextprotocol/sdk 1.x, which opens a
// session with initialize; "modern" is @modelcontextprotocol/client 2.x restricted to 2026-07-28,
// which has no fallback to initialize, sends every request with its _meta and headers, and
// cancels a call by closing its response stream.
//
// Each step names a session (clients are connected on first use, one per name) and an op:
//   {"session": "a", "op": "list"}                                      tools/list
//   {"session": "a", "op": "call", "name": "...", "arguments": {...}}   tools/call
//       with "progress": true, it asks for progress notifications and reports them, in the order
//       they came, as "progress": [{"at": <ms>, "progress", "message"}, ...], and the result's
//       arrival as "resultAt"; with "abortOn": "text" too, it aborts the call (the legacy SDK then
//       sends notifications/cancelled, the modern one closes the stream) when a notification's
//       message contains that text
//       an argument "$N" stands for the contextId that step N's result named (structuredContent)
//   {"session": "a", "op": "terminate"}                                 DELETE of the session
//   {"session": "a", "op": "await", "path": "/tmp/go"}                  waits until that file exists
//   {"op": "sleep", "ms": 1500}                                        waits, touching no session
// The report has, per step, {"ok": true, "result": ...} or {"ok": false, "error": "...", "code": ...}
// (plus "progress" and "resultAt" for a call with progress),
// and per session (a connection, for the modern client) its id, the protocol version agreed on, the
// era and the server's info.
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const plan = JSON.parse(process.argv[2]);
const modern = plan.era === 'modern';
const { Client, StreamableHTTPClientTransport } = modern
  ? await import('@modelcontextprotocol/client')
  : {
      ...(await import('@modelcontextprotocol/sdk/client/index.js')),
      ...(await import('@modelcontextprotocol/sdk/client/streamableHttp.js')),
    };
const sessions = new Map();

async function session(name) {
  if (!sessions.has(name)) {
    const transport = new StreamableHTTPClientTransport(new URL(plan.url), {
      requestInit: { headers: plan.headers ?? {} },
    });
    const options = modern
      ? { supportedProtocolVersions: ['2026-07-28'], versionNegotiation: { mode: 'auto' } }
      : undefined;
    const client = new Client({ name: 'interpreterd-test', version: '1.0.0' }, options);
    await client.connect(transport);
    sessions.set(name, { client, transport });
  }
  return sessions.get(name);
}

// Calls a tool with an onprogress handler, recording each notification and the result as they come.
async function callWithProgress(client, step, record) {
  record.progress = [];
  const abort = new AbortController();
  const options = {
    signal: abort.signal,
    resetTimeoutOnProgress: true,
    onprogress: (p) => {
      record.progress.push({ at: Date.now(), ...p });
      if (step.abortOn && String(p.message ?? '').includes(step.abortOn)) {
        abort.abort('stopped by the test');
      }
    },
  };
  try {
    const params = { name: step.name, arguments: resolve(step.arguments) };
    // The 1.x client takes a result schema before the options; the 2.x client does not.
    return await (modern ? client.callTool(params, options) : client.callTool(params, undefined, options));
  } finally {
    record.resultAt = Date.now();
  }
}

// The arguments with each "$N" replaced by the contextId of step N's result.
function resolve(args) {
  return Object.fromEntries(Object.entries(args ?? {}).map(([key, value]) => {
    const ref = typeof value === 'string' && /^\$(\d+)$/.exec(value);
    return [key, ref ? report.steps[Number(ref[1])]?.result?.structuredContent?.contextId ?? value : value];
  }));
}

async function run(step, record) {
  if (step.op === 'sleep') {
    await sleep(step.ms);
    return { slept: step.ms };
  }
  const { client, transport } = await session(step.session);
  switch (step.op) {
    case 'list':
      return await client.listTools();
    case 'call':
      if (step.progress) {
        return await callWithProgress(client, step, record);
      }
      return await client.callTool({ name: step.name, arguments: resolve(step.arguments) });
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
  const record = {};
  try {
    const result = await run(step, record);
    report.steps.push({ ok: true, result, ...record });
  } catch (error) {
    report.steps.push({ ok: false, error: String(error?.message ?? error), code: error?.code ?? null, ...record });
  }
}
for (const [name, { client, transport }] of sessions) {
  report.sessions[name] = {
    sessionId: transport.sessionId ?? null,
    protocolVersion: (modern ? client.getNegotiatedProtocolVersion() : transport.protocolVersion) ?? null,
    era: modern ? client.getProtocolEra() : 'legacy',
    server: client.getServerVersion() ?? null,
  };
  await client.close();
}
console.log(JSON.stringify(report));
process.exit(0);
