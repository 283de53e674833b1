import type { Csr } from "../data/csr.ts";
import type { ModelArtifact } from "./recommender.ts";

/** The arrays that carry a sparse matrix in a ModelArtifact, under `name.shape`, `name.indptr`, ... */
export function csrArrays(name: string, m: Csr): ModelArtifact["arrays"] {
  return {
    [`${name}.shape`]: Int32Array.of(m.rows, m.cols),
    [`${name}.indptr`]: m.indptr,
    [`${name}.indices`]: m.indices,
    [`${name}.values`]: m.values,
  };
}

/** Inverse of csrArrays. */
export function csrFromArtifact(a: ModelArtifact, name: string): Csr {
  const shape = a.arrays[`${name}.shape`] as Int32Array;
  return {
    rows: shape[0],
    cols: shape[1],
    indptr: a.arrays[`${name}.indptr`] as Int32Array,
    indices: a.arrays[`${name}.indices`] as Int32Array,
    values: a.arrays[`${name}.values`] as Float32Array,
  };
}
