// A DataParallel shard in a Node worker thread: every message goes to the host-agnostic shard.
import { parentPort } from "node:worker_threads";
import type { ShardMessage } from "../src/parallel/protocol.js";
import { onShardMessage } from "../src/parallel/shard.js";

const port = parentPort!;
port.on("message", (message: ShardMessage) => {
  if (!onShardMessage(message)) port.close();
});
