// Generates src/api/schema.d.ts (the typed client's types) from src/api/openapi.json, the server's OpenAPI
// document committed beside it. `npm run api` regenerates; `npm run api -- --from http://127.0.0.1:8080` first
// refreshes openapi.json from a running server. A vitest test fails when schema.d.ts is stale.
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { generateSchema } from "./schema.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const docPath = here("../src/api/openapi.json");
const from = process.argv.indexOf("--from");
if (from > 0) {
  const url = new URL("/openapi/v1.json", process.argv[from + 1]);
  const doc = await (await fetch(url)).json();
  delete doc.servers;
  await writeFile(docPath, JSON.stringify(doc, null, 2) + "\n");
  console.log(`wrote ${docPath} from ${url}`);
}
const doc = JSON.parse(await readFile(docPath, "utf8"));
await writeFile(here("../src/api/schema.d.ts"), await generateSchema(doc));
console.log("wrote src/api/schema.d.ts");
