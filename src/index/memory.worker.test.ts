import { describeVectorIndexContract } from "./index.contract.ts";
import { MemoryIndex } from "./memory.ts";

// The same contract inside workerd, where the Worker serves its catalog from a MemoryIndex.
describeVectorIndexContract("MemoryIndex in workerd", async (dimension) => new MemoryIndex(dimension));
