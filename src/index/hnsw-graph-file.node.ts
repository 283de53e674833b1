/**
 * The saved HNSW graph of a catalog's trained item vectors, so a server process loads it in seconds instead of
 * rebuilding it (863 s at 1M x 64). Two files: the graph as hnswlib writes it, and a JSON sidecar (`<file>.json`)
 * naming what it was built from (space, dimension, item count, M, efConstruction, seed, a SHA-256 of the
 * vectors' float bytes) and the graph file's own size and SHA-256.
 *
 * Trust nothing: a graph is used only if its sidecar matches the vectors and parameters at hand and the graph
 * file's bytes hash to what the sidecar says; anything else (missing, stale, truncated, corrupted) is
 * reported through `log` and the caller rebuilds. The hash is checked before hnswlib reads the file, because
 * hnswlib detects truncation but not damaged links, which it would follow out of bounds.
 *
 * Several processes may build and write at once (cluster workers starting together): each writes to its own
 * temporary name and renames it into place, so a reader sees a whole file of one writer or another. The pair
 * is renamed graph first, then sidecar; if writers interleave, a sidecar may describe another writer's graph,
 * which the graph hash rejects (builds are deterministic, so this costs at most one rebuild). A reader pins the
 * graph it hashes with a hard link, so a rename landing between the hash and the read cannot swap the file.
 */
import { createHash, randomUUID } from "node:crypto";
import { closeSync, linkSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import hnswlib from "hnswlib-node";

/** What a graph is built from: a saved graph serves only vectors and parameters equal to these. */
export interface GraphParameters {
  space: "ip";
  dimension: number;
  items: number;
  m: number;
  efConstruction: number;
  seed: number;
  vectorsSha256: string;
}

interface Sidecar extends GraphParameters {
  format: typeof FORMAT;
  graphBytes: number;
  graphSha256: string;
}

const FORMAT = 1;
const HASH_CHUNK = 16 * 2 ** 20;

export function vectorsSha256(vectors: Float32Array): string {
  return createHash("sha256").update(new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength)).digest("hex");
}

export const sidecarOf = (graphFile: string) => `${graphFile}.json`;

/** A name beside `file` that no other process or call uses. */
const privateName = (file: string) => `${file}.${process.pid}.${randomUUID()}.tmp`;

/** The saved graph at `graphFile` if it is whole and was built from `expected`; else undefined, with a log line. */
export function readSavedGraph(graphFile: string, expected: GraphParameters, log: (line: string) => void): hnswlib.HierarchicalNSW | undefined {
  const rejected = (reason: string) => {
    log(`hnsw: ignoring the saved graph ${graphFile} (${reason}); rebuilding`);
    return undefined;
  };
  let sidecar: Partial<Sidecar>;
  try {
    sidecar = JSON.parse(readFileSync(sidecarOf(graphFile), "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      log(`hnsw: no saved graph at ${graphFile}; building it`);
      return undefined;
    }
    return rejected(`unreadable sidecar: ${(error as Error).message}`);
  }
  if (sidecar.format !== FORMAT) return rejected(`sidecar format ${String(sidecar.format)}, expected ${FORMAT}`);
  for (const key of Object.keys(expected) as Array<keyof GraphParameters>) {
    if (sidecar[key] !== expected[key]) return rejected(`built with ${key} ${String(sidecar[key])}, now ${String(expected[key])}`);
  }
  const pinned = privateName(graphFile);
  try {
    linkSync(graphFile, pinned);
  } catch (error) {
    return rejected(`graph file: ${(error as Error).message}`);
  }
  try {
    const bytes = statSync(pinned).size;
    if (bytes !== sidecar.graphBytes) return rejected(`${bytes} bytes, the sidecar says ${String(sidecar.graphBytes)}`);
    if (fileSha256(pinned) !== sidecar.graphSha256) return rejected("its bytes do not hash to the sidecar's SHA-256");
    // A fresh object: hnswlib-node frees its graph before reading, so a failed read must not hit an initialised one.
    const graph = new hnswlib.HierarchicalNSW(expected.space, expected.dimension);
    try {
      graph.readIndexSync(pinned);
    } catch (error) {
      return rejected(`hnswlib cannot read it: ${(error as Error).message}`);
    }
    if (graph.getCurrentCount() !== expected.items) return rejected(`it holds ${graph.getCurrentCount()} items, expected ${expected.items}`);
    return graph;
  } finally {
    rmSync(pinned, { force: true });
  }
}

/**
 * Saves `graph`, built from `parameters`, at `graphFile` (and its sidecar), each by temporary file and rename.
 * A failure (read-only or full disk) is logged, never thrown: the process serves from the graph it holds.
 */
export function writeSavedGraph(graphFile: string, graph: hnswlib.HierarchicalNSW, parameters: GraphParameters, log: (line: string) => void): boolean {
  const graphTemp = privateName(graphFile);
  const sidecarTemp = privateName(sidecarOf(graphFile));
  try {
    graph.writeIndexSync(graphTemp);
    const sidecar: Sidecar = { format: FORMAT, ...parameters, graphBytes: statSync(graphTemp).size, graphSha256: fileSha256(graphTemp) };
    writeFileSync(sidecarTemp, `${JSON.stringify(sidecar, null, 2)}\n`);
    renameSync(graphTemp, graphFile);
    renameSync(sidecarTemp, sidecarOf(graphFile));
    return true;
  } catch (error) {
    log(`hnsw: could not save the graph to ${graphFile} (${(error as Error).message}); serving from memory, the next start rebuilds it`);
    return false;
  } finally {
    rmSync(graphTemp, { force: true });
    rmSync(sidecarTemp, { force: true });
  }
}

function fileSha256(file: string): string {
  const hash = createHash("sha256");
  const buffer = Buffer.allocUnsafe(HASH_CHUNK);
  const fd = openSync(file, "r");
  try {
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) hash.update(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}
