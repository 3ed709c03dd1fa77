// N connections opened and authenticated the way each server expects, then held silent, so the
// server's resident memory per idle connection can be read by a client other than `parley bench`.
// It speaks each target's handshake as bench/compare's generator does (src/Parley.Bench/Targets):
//
//   parley    the token on the upgrade request (`Authorization: Bearer <jwt>`, docs/protocol.md),
//             then `{"op":"connect"}`; done at `connected`. Server pings are answered with pong.
//             Each connection is its own user, with an HS256 token signed here with the node's
//             development key (--key-file) or a secret (--secret).
//   bare      the WebSocket upgrade alone.
//   signalr   the JSON hub handshake without negotiation; done at `{}`. A hub ping every 10 s keeps
//             the hub's 30 s client timeout from closing an idle connection.
//   socketio  Engine.IO 4 over WebSocket, then `40` to the default namespace; done at `40{…}`.
//             Engine.IO pings (`2`) are answered with pongs (`3`).
//
// Prints "ready N" once every connection is authenticated, then holds them until SIGTERM or
// SIGINT, when it prints "held K" (the connections still open) and exits 0. Any connection that
// fails to open or authenticate prints "failed: <reason>" and exits 1: a partial set would make
// the memory per connection wrong.
//
// Usage: node idle.js --target parley|bare|signalr|socketio --url ws://127.0.0.1:PORT/PATH
//                     --connections N [--concurrency 64] [--key-file F | --secret S] [--tenant bench]
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const WebSocket = require("ws");

// Connection attempts in flight, as the generator's default --connect-concurrency.
const DEFAULT_CONCURRENCY = 64;
// One connection's upgrade and handshake must end within this, on a loaded two-core machine.
const HANDSHAKE_TIMEOUT_MS = 30_000;
// The hub's client timeout is 30 s; a ping every 10 s keeps a silent connection well inside it.
const SIGNALR_PING_MS = 10_000;
// Tokens outlive any run, so none expires while its connection is held.
const TOKEN_LIFETIME_S = 12 * 3600;
const RS = "\u001e";

function options(argv) {
  const o = { concurrency: DEFAULT_CONCURRENCY, tenant: "bench", issuer: "parley-dev", audience: "parley" };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, "").replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (argv[i + 1] === undefined) {
      throw new Error(`${argv[i]} needs a value`);
    }
    o[name] = argv[i + 1];
  }
  o.connections = Number(o.connections);
  o.concurrency = Number(o.concurrency);
  if (!["parley", "bare", "signalr", "socketio"].includes(o.target)) {
    throw new Error("--target must be parley, bare, signalr or socketio");
  }
  if (!o.url || !/^wss?:\/\//.test(o.url)) {
    throw new Error("--url must be a ws:// or wss:// URL");
  }
  if (!Number.isInteger(o.connections) || o.connections < 1 || !Number.isInteger(o.concurrency) || o.concurrency < 1) {
    throw new Error("--connections and --concurrency must be positive integers");
  }
  if (o.target === "parley") {
    // The node reads its key file trimmed, as UTF-8 text; so does this.
    o.secret = o.secret ?? (o.keyFile ? fs.readFileSync(o.keyFile, "utf8").trim() : undefined);
    if (!o.secret) {
      throw new Error("the parley target needs --key-file (the node's dev-signing.key) or --secret");
    }
  }
  return o;
}

// An HS256 JWT in the one spelling the node accepts: unpadded, canonical base64url segments.
function token(o, user) {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const head = encode({ alg: "HS256", typ: "JWT" });
  const body = encode({ iss: o.issuer, aud: o.audience, iat: now, nbf: now, exp: now + TOKEN_LIFETIME_S, tenant: o.tenant, sub: user, rooms: ["*"] });
  const signature = crypto.createHmac("sha256", Buffer.from(o.secret, "utf8")).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${signature}`;
}

// Each target: the URL and upgrade headers for connection i, what to send once open, and how to
// answer a text message (calling done() once authenticated, fail(reason) for a refusal).
const targets = {
  parley: {
    url: (o) => o.url,
    headers: (o, i) => ({ Authorization: `Bearer ${token(o, `${o.run}-u${i}`)}` }),
    open: (ws) => ws.send('{"op":"connect"}'),
    message(ws, text, done, fail) {
      const frame = JSON.parse(text);
      if (frame.op === "connected") done();
      else if (frame.op === "ping") ws.send('{"op":"pong"}');
      else if (frame.op === "error") fail(`error ${frame.code ?? text}`);
    },
  },
  bare: {
    url: (o) => o.url,
    headers: () => ({}),
    open: (ws, done) => done(),
    message() {},
  },
  signalr: {
    url: (o) => o.url,
    headers: () => ({}),
    open: (ws) => ws.send(`{"protocol":"json","version":1}${RS}`),
    message(ws, text, done, fail) {
      for (const record of text.split(RS)) {
        if (record === "{}") {
          done();
          ws.pinger = setInterval(() => ws.send(`{"type":6}${RS}`), SIGNALR_PING_MS);
          ws.pinger.unref();
        } else if (record.startsWith('{"error"')) {
          fail(`handshake ${record}`);
        }
      }
    },
  },
  socketio: {
    url: (o) => (new URL(o.url).pathname.includes("/socket.io/") ? o.url : new URL("/socket.io/?EIO=4&transport=websocket", o.url).toString()),
    headers: () => ({}),
    open() {},
    message(ws, text, done, fail) {
      if (text.startsWith("0{")) ws.send("40");
      else if (text.startsWith("40")) done();
      else if (text === "2") ws.send("3");
      else if (text.startsWith("44")) fail(`namespace refused ${text}`);
    },
  },
};

function connect(o, target, i, sockets) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(target.url(o), { headers: target.headers(o, i), perMessageDeflate: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    let ready = false;
    const timer = setTimeout(() => fail("no handshake reply in time"), HANDSHAKE_TIMEOUT_MS);
    function done() {
      if (!ready) {
        ready = true;
        clearTimeout(timer);
        sockets.add(ws);
        resolve();
      }
    }
    function fail(reason) {
      clearTimeout(timer);
      ws.terminate();
      reject(new Error(`connection ${i}: ${reason}`));
    }
    ws.on("open", () => target.open(ws, done));
    ws.on("message", (data, binary) => {
      if (!binary) {
        target.message(ws, data.toString("utf8"), done, fail);
      }
    });
    ws.on("error", (e) => (ready ? undefined : fail(e.message)));
    ws.on("close", (code) => {
      clearInterval(ws.pinger);
      sockets.delete(ws);
      if (!ready) fail(`closed with ${code} before it was ready`);
    });
  });
}

async function main() {
  const o = options(process.argv.slice(2));
  o.run = `idlews${crypto.randomBytes(4).toString("hex")}`;
  const target = targets[o.target];
  const sockets = new Set();
  const stop = () => {
    process.stdout.write(`held ${sockets.size}\n`, () => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);

  let next = 0;
  const worker = async () => {
    while (next < o.connections) {
      await connect(o, target, next++, sockets);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, o.connections) }, worker));
  process.stdout.write(`ready ${sockets.size}\n`);
  // Held until a signal; the sockets' own handles keep the process alive.
  setInterval(() => {}, 1 << 30);
}

main().catch((e) => {
  process.stderr.write(`failed: ${e.message}\n`);
  process.exit(1);
});
