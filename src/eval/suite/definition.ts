import { z } from "zod";
import { RankerSpec } from "../../ranking/spec.ts";
import { RANKING_METRICS } from "../metrics.ts";

const positiveInt = z.number().int().positive();
const METRIC = new RegExp(`^(${Object.keys(RANKING_METRICS).join("|")})@([1-9]\\d*)$`);

/**
 * An eval suite as a data file (evals/suites/<id>.v<version>.json): which split, which retriever makes the
 * candidate sets, which rankers reorder them, what is measured and on how many users.
 */
export const SuiteDefinition = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    version: positiveInt,
    description: z.string(),
    dataset: z
      .object({
        /** A P1 split directory with train.tsv and test.tsv, relative to the package root. */
        split: z.string().min(1),
        /** Where titles come from: a bundled data set name or a MovieLens directory. */
        catalog: z.string().min(1),
      })
      .strict(),
    candidates: z
      .object({
        model: z.string().min(1),
        params: z.record(z.string(), z.number()).default({}),
        /** Each candidate set is the top-N of the retriever; every ranker reorders the same sets. */
        sizes: z.array(positiveInt.max(200)).min(1),
      })
      .strict(),
    rankers: z
      .array(z.object({ id: z.string().min(1), ranker: RankerSpec }).strict())
      .min(1)
      .refine((rs) => new Set(rs.map((r) => r.id)).size === rs.length, "ranker ids must be unique"),
    /** name@k with name one of the P1 metrics, e.g. ndcg@10. */
    metrics: z.array(z.string().regex(METRIC, "expected name@k, e.g. ndcg@10")).min(1),
    users: z
      .object({
        /** Test users every ranker is measured on; absent: all of them. */
        sample: positiveInt.optional(),
        /** Of those, the users LLM rankers are measured on (to bound cost); every ranker is reported on them too. */
        llmSample: positiveInt,
        seed: z.number().int().default(1),
      })
      .strict(),
  })
  .strict();
export type SuiteDefinition = z.infer<typeof SuiteDefinition>;

export function parseMetricName(name: string): { metric: (typeof RANKING_METRICS)[string]; k: number } {
  const m = METRIC.exec(name);
  if (!m) throw new Error(`not a metric name: ${name}`);
  return { metric: RANKING_METRICS[m[1]], k: Number(m[2]) };
}
