// Socket.IO 4 with the bench contract: `join` (room) puts the socket in the room; `pub`
// ({room, id, ts, body}) emits `msg` with the same object to the room, the publisher included when
// it joined. With REDIS_URL set, the Redis adapter makes every process started with the same URL
// one cluster; without it, rooms are in memory.
//
// Port: --urls http://127.0.0.1:N, --port N or PORT (default 5300); 0 picks a free one. Binds to
// 127.0.0.1 only. Prints "listening http://127.0.0.1:<port>" once ready.
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");

function port() {
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length - 1; i++) {
    if (args[i] === "--urls") {
      const url = new URL(args[i + 1].split(";")[0]);
      return Number(url.port);
    }
    if (args[i] === "--port") {
      return Number(args[i + 1]);
    }
  }
  return process.env.PORT !== undefined ? Number(process.env.PORT) : 5300;
}

async function redisAdapter(url) {
  const { createClient } = require("redis");
  const { createAdapter } = require("@socket.io/redis-adapter");
  const pub = createClient({ url });
  const sub = pub.duplicate();
  for (const client of [pub, sub]) {
    client.on("error", (e) => console.error("redis:", e.message));
  }
  await Promise.all([pub.connect(), sub.connect()]);
  return { adapter: createAdapter(pub, sub), clients: [pub, sub] };
}

async function main() {
  const httpServer = http.createServer();
  // Default options, except a 1 MB largest message to match the other peers.
  const io = new Server(httpServer, { maxHttpBufferSize: 1e6 });
  let redis = [];
  if (process.env.REDIS_URL) {
    const { adapter, clients } = await redisAdapter(process.env.REDIS_URL);
    io.adapter(adapter);
    redis = clients;
  }

  // An ack callback, when the client asks for one, tells it the join or publish was handled.
  io.on("connection", (socket) => {
    socket.on("join", (room, ack) => {
      if (typeof room === "string") {
        socket.join(room);
      }
      if (typeof ack === "function") {
        ack();
      }
    });
    socket.on("pub", (message, ack) => {
      if (message && typeof message.room === "string") {
        io.to(message.room).emit("msg", message);
      }
      if (typeof ack === "function") {
        ack();
      }
    });
  });

  httpServer.listen(port(), "127.0.0.1", () => {
    console.log(`listening http://127.0.0.1:${httpServer.address().port}`);
  });

  const stop = () => {
    io.close(() => {
      Promise.allSettled(redis.map((c) => c.quit())).then(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
