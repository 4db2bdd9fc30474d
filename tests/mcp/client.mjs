// The official MCP client SDK against Hearth, as an assistant would use it:
//
//   node client.mjs URL KEY [TOOL [ARGUMENTS_JSON]]
//
// connects over Streamable HTTP to URL (…/api/v1/mcp) with the API key in
// X-API-Key, lists the tools, calls TOOL when given, ends the session, and
// prints one JSON object: {protocol, server, session, tools, call?}.  A
// failure prints {"error": ...} and exits 1.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, key, tool, args] = process.argv.slice(2);
const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { "X-API-Key": key } },
});
const client = new Client({ name: "hearth-test", version: "1.0.0" });

try {
  await client.connect(transport);
  const out = {
    protocol: transport.protocolVersion ?? null,
    server: client.getServerVersion(),
    session: transport.sessionId ? "yes" : "no",
    tools: (await client.listTools()).tools.map((t) => t.name),
  };
  if (tool) {
    out.call = await client.callTool({ name: tool, arguments: args ? JSON.parse(args) : {} });
  }
  await transport.terminateSession();
  await client.close();
  console.log(JSON.stringify(out));
} catch (err) {
  console.log(JSON.stringify({ error: String(err && err.message ? err.message : err) }));
  process.exit(1);
}
