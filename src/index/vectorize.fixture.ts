/**
 * VectorizeIndex over the in-process stand-in of the binding (vectorize.fake.ts), with the metadata indexes the
 * README tells you to create: what every Vectorize test (Node and workerd) builds on.
 */
import type { Item } from "../core/types.ts";
import { FakeVectorize, type FakeVectorizeOptions } from "./vectorize.fake.ts";
import { VECTORIZE_METADATA_INDEXES, VectorizeIndex } from "./vectorize.ts";

export type Consistency = NonNullable<FakeVectorizeOptions["consistency"]>;

export function vectorizeOverStandIn(dimension: number, consistency: Consistency = "immediate", more: { catalog?: readonly Item[]; now?: () => number } = {}) {
  const binding = new FakeVectorize({ dimensions: dimension, metadataIndexes: { ...VECTORIZE_METADATA_INDEXES }, consistency });
  return { binding, index: new VectorizeIndex(binding, { dimension, ...more }) };
}

/** Each way the stand-in can lag behind writes, with what it shows. */
export const CONSISTENCIES: Array<[Consistency, string]> = [
  ["immediate", "writes applied at once"],
  ["lagging", "each call applies one queued write"],
  ["manual", "writes never applied: the overlay answers alone"],
];
