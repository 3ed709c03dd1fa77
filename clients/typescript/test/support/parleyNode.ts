import { spawn, execFile, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

/** The node program the integration tests start: `PARLEY_DLL`, or the Release build of the repository. */
export const parleyDll = process.env.PARLEY_DLL ?? join(repo, "src/Parley.Server/bin/Release/net10.0/parley.dll");

/**
 * Settings that make a node quick to stop in tests: a SIGTERM drains in about a second, not
 * fifteen, and a token's deadline is its `exp` plus one second, so that expiry tests take seconds.
 */
const fastSettings: Record<string, string> = {
  Parley__Drain__Window: "00:00:01",
  Parley__Drain__FlushTimeout: "00:00:01",
  Parley__Auth__ClockSkew: "00:00:01",
  Logging__LogLevel__Default: "Warning",
  DOTNET_CLI_TELEMETRY_OPTOUT: "1",
  DOTNET_NOLOGO: "1",
};

/** A loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Polls `condition` every 25 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A real Parley node in embedded mode (`parley serve`), on a loopback port and a temporary data
 * directory of its own, which `dispose` removes. `stop` and `start` restart it on the same port
 * and data, as an operator's restart would.
 */
export class ParleyNode {
  private process: ChildProcess | undefined;
  private output = "";

  readonly port: number;
  readonly dataDir: string;
  private readonly settings: Record<string, string>;

  private constructor(port: number, dataDir: string, settings: Record<string, string>) {
    this.port = port;
    this.dataDir = dataDir;
    this.settings = settings;
  }

  /** `settings`: configuration as environment variables (`Parley__Limits__…`), over the fast defaults. */
  static async start(settings: Record<string, string> = {}): Promise<ParleyNode> {
    if (!existsSync(parleyDll)) {
      throw new Error(`The node program ${parleyDll} does not exist: run 'dotnet build Parley.sln -c Release' first, or set PARLEY_DLL.`);
    }
    const node = new ParleyNode(await freePort(), mkdtempSync(join(tmpdir(), "parley-ts-")), settings);
    await node.begin();
    return node;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/v1/ws`;
  }

  /** A token minted by `parley token` with the node's development key. */
  async token(user: string, options: { ttl?: string; scopes?: string; tenant?: string } = {}): Promise<string> {
    const args = [parleyDll, "token", "--data", this.dataDir, "--tenant", options.tenant ?? "t", "--user", user, "--rooms", "*", "--ttl", options.ttl ?? "1h"];
    if (options.scopes) args.push("--scopes", options.scopes);
    const { stdout } = await run("dotnet", args, { env: { ...process.env, ...fastSettings } });
    return stdout.trim();
  }

  /** Publishes over the HTTP API; returns the committed seq. */
  async publish(token: string, room: string, id: string, body: unknown): Promise<number> {
    const response = await fetch(`${this.httpUrl}/api/v1/rooms/${encodeURIComponent(room)}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ id, body }),
    });
    if (!response.ok) throw new Error(`publish answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { seq: number }).seq;
  }

  /** Stops the node as a service manager does (SIGTERM: drain, then exit) and waits for the exit. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    this.process = undefined;
  }

  /** Starts the node again on the same port and data directory. */
  async begin(): Promise<void> {
    const child = spawn("dotnet", [parleyDll, "serve", "--urls", this.httpUrl, "--data", this.dataDir], {
      env: { ...process.env, ...fastSettings, ...this.settings },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (this.output += d.toString()));
    this.process = child;
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`The node exited with ${child.exitCode}:\n${this.output}`);
      try {
        return (await fetch(`${this.httpUrl}/healthz/ready`)).ok;
      } catch {
        return false;
      }
    }, `the node on port ${this.port} to be ready`, 60_000);
  }

  async dispose(): Promise<void> {
    const child = this.process;
    if (child && child.exitCode === null) {
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGKILL");
      await exited;
    }
    this.process = undefined;
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
