import { z } from "zod";

/** Service configuration, parsed once at the entry point from flags, a config file and the environment. */
export const ServiceConfig = z
  .object({
    host: z.string().default("127.0.0.1"),
    port: z.coerce.number().int().min(0).max(65535).default(8787),
    /** A bundled data set name or a MovieLens directory. */
    dataset: z.string().default("ml-latest-small"),
    /** Or a generic interactions file (TSV/CSV/JSONL) with an optional items file. */
    interactions: z.string().optional(),
    items: z.string().optional(),
    /** A model name, or auto: the model (or blend of two) chosen on validation at build time. */
    model: z.string().default("auto"),
    /** Choose the model's parameters, value weighting and recency weighting on validation carved from the data. */
    tune: z.boolean().default(true),
    /** Seconds the build's tuning may take (the tuner's own estimate); absent: the tuner's default. */
    tuneBudget: z.coerce.number().positive().max(86_400).optional(),
    /** With tune false: parameters that override the model's defaults. */
    params: z.record(z.string(), z.number()).default({}),
    /** Where build outputs (trained model, LanceDB table, logs) go; gitignored. */
    artifacts: z.string().default("artifacts"),
    apiKey: z.string().min(1).optional(),
    readKey: z.string().min(1).optional(),
    maxBodyBytes: z.coerce.number().int().positive().default(256 * 1024),
    /** On SIGTERM, how long requests in flight may take to finish before their connections are cut. */
    shutdownGraceMs: z.coerce.number().int().positive().default(10_000),
    /** Server processes (Node); the entry point defaults it to the available cores, 1 is a single process. */
    workers: z.coerce.number().int().min(1).max(256).optional(),
    /** Serve as a stateless replica of this store (a folder or s3://bucket/prefix): published model versions and the shared write log. */
    store: z.string().min(1).optional(),
    /** How often a store replica checks for a newly published model version (milliseconds). */
    storePollMs: z.coerce.number().int().min(50).max(600_000).default(1000),
  })
  .strict();
export type ServiceConfig = z.infer<typeof ServiceConfig>;
