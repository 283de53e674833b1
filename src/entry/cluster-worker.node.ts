// The script each cluster worker process runs (started by startCluster in cluster.node.ts).
import { runClusterWorker } from "./cluster.node.ts";

await runClusterWorker();
