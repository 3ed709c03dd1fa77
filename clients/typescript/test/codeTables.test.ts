import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { closeCodes } from "../src/closeCodes.js";
import { errorCodes } from "../src/errorCodes.js";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const documentPath = resolve(packageDir, process.env.PARLEY_ASYNCAPI ?? "../../docs/protocol.asyncapi.yaml");

/** The protocol's AsyncAPI document; a missing one fails the test that needs it, by name. */
function loadDocument(): Record<string, unknown> {
  if (!existsSync(documentPath)) {
    throw new Error(`The protocol's AsyncAPI document is missing: ${documentPath} does not exist. The SDK's code tables are checked against it; set PARLEY_ASYNCAPI to its path.`);
  }
  const document: unknown = parse(readFileSync(documentPath, "utf8"));
  if (typeof document !== "object" || document === null) {
    throw new Error(`${documentPath} is not a YAML mapping.`);
  }
  return document as Record<string, unknown>;
}

function extension(name: string): Array<Record<string, unknown>> {
  const value = loadDocument()[name];
  if (!Array.isArray(value)) {
    throw new Error(`${documentPath} has no list '${name}' at its root.`);
  }
  return value as Array<Record<string, unknown>>;
}

describe("the SDK's code tables", () => {
  it("hold exactly the close codes of the AsyncAPI document, with their names and reconnect rules", () => {
    const documented = extension("x-parley-close-codes")
      .map((c) => ({ code: c.code, name: c.name, reconnect: c.reconnect }))
      .sort((a, b) => Number(a.code) - Number(b.code));
    const sdk = closeCodes.map((c) => ({ code: c.code, name: c.name, reconnect: c.reconnect })).sort((a, b) => a.code - b.code);
    expect(sdk).toEqual(documented);
  });

  it("hold exactly the error codes of the AsyncAPI document, with their retry rules", () => {
    const byCode = (a: { code: unknown }, b: { code: unknown }) => String(a.code).localeCompare(String(b.code));
    const documented = extension("x-parley-error-codes")
      .map((c) => ({ code: c.code, retry: c.retry }))
      .sort(byCode);
    const sdk = errorCodes.map((c) => ({ code: c.code, retry: c.retry })).sort(byCode);
    expect(sdk).toEqual(documented);
  });
});
