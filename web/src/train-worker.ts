// The playground's training worker (it also serves its own thread workers).
import { serveTraining } from "../../src/worker/host.ts";

serveTraining();
