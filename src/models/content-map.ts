import { z } from "zod";
import { InputError } from "../core/errors.ts";
import { ContentFeaturizer, type ItemContent, type SparseFeatures, textView } from "./content-features.ts";
import { SpreadCalibration } from "./spread-calibration.ts";

const FORMAT = "recagent-content-map";
/**
 * 5: a second map, the text view (mapText), and a description's words weigh their sublinear term frequency
 * (textFeatures); a version 4 map has no text view and was fitted on distinct words, each alike. 4: description words are stemmed plurals without accents (contentWords), and attributes are features; a version 3
 * map would hash a description's words differently. 3: predictions are calibrated (SpreadCalibration); a version 2
 * map places items near the average item.
 */
const VERSION = 5;

/** SpreadCalibration: the spread asked for, the scale it came to and the shift (factors float32, base64). */
const calibrationSchema = z.object({ spread: z.number().nonnegative(), scale: z.number().positive(), shift: z.string() });

const jsonSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(VERSION),
  vocabulary: z.array(z.string()),
  factors: z.number().int().positive(),
  /** vocabulary.length x factors float32, little-endian, base64: about a quarter of the size of a JSON number list. */
  weights: z.string(),
  calibration: calibrationSchema,
  /** The text view's weights (same shape; zero rows for genre and year keys) and calibration. */
  text: z.object({ weights: z.string(), calibration: calibrationSchema }),
});
export type ContentMapJson = z.infer<typeof jsonSchema>;

/** A year an item may be from, and how much it counts among the candidates (mapTextAtYears). */
export interface YearEstimate {
  year: number;
  weight: number;
}

/**
 * Ridge penalty per training item (lambda = 0.005 x 7,417 = 37 on ml-latest-small). Chosen on validation,
 * never on the cold items (recagent eval-cold --validate: pseudo-cold items carved out of the warm train rows
 * by the same rule). Recall@20 / NDCG@20, rule random then newest:
 *   0.001 .258/.216 .168/.205   0.003 .268/.231 .189/.209   0.005 .274/.231 .184/.204
 *   0.01  .278/.230 .170/.199   0.03  .274/.224 .180/.196
 * Near the old fixed lambda = 10 rare title words stay loud; much larger and genres and years fade.
 */
export const DEFAULT_SHRINKAGE = 0.005;

/**
 * SpreadCalibration's spread, chosen on validation, never on the cold items (recagent eval-cold --rank all
 * --validate random --spread X --max-share M: pseudo-cold items carved out of the warm train rows, ranked among
 * every item). Recall@20 / NDCG@20 / cold_share@20:
 *   unbounded (M 1):  0.6 .028/.049/.105   0.75 .043/.061/.145   0.9 .067/.078/.189 (over the 0.15 share)
 *   bound M 0.15:     1 .054/.050/.073   1.25 .079/.064/.101   1.5 .092/.074/.123   2 .103/.093/.144   3 .104/.116/.150
 * The regression's own predictions (spread 0) never surface among warm items. With the service's bound on
 * onboarded items (OnboardedBound, 3 of 20), a wide spread lets the items whose content says "this user's kind"
 * take those slots and keeps the others out; past 3 the bound, not the content, would decide.
 */
export const DEFAULT_SPREAD = 3;

/**
 * mapText's share of the text view, the rest the full view given the guessed genres. Chosen on validation (recagent
 * eval-cold --validate random --cold-content text), P2 recall@20 with tags / plot overviews for text: full view
 * alone (0) .2471 / .0787, 0.25 .2526 / .0812, 0.5 .2572 / .0805, 0.75 .2548 / .0785, text view alone (1) .2544 / .0771.
 * Re-checked over four carve-outs (--folds 4): 0.25 .2630 / .1358, 0.5 .2652 / .1346, 0.75 .2646 / .1301.
 */
export const TEXT_VIEW_SHARE = 0.5;

/**
 * Conjugate gradient stops when the residual is this small relative to the right-hand side (Frobenius norms).
 * Rankings on the validation items were the same from 1e-3 to 1e-7; 1e-4 takes about 45 iterations on
 * ml-latest-small where 1e-7 takes 75.
 */
const TOLERANCE = 1e-4;
const MAX_ITERATIONS = 1000;

export interface ContentMapOptions {
  /** The ridge penalty as a fraction of the number of training items, so it means the same on any catalog size. */
  shrinkage?: number;
  /** SpreadCalibration's spread: the placed items' spread as a fraction of the trained items' (DEFAULT_SPREAD); 0 leaves the regression's predictions as they are. */
  spread?: number;
}

/** One ridge solution over the featurizer's vocabulary and the calibration of its predictions. */
interface FittedView {
  /** featurizer.dimension x factors, row-major. */
  weights: Float32Array;
  calibration: SpreadCalibration;
}

/**
 * Ridge regression from content features onto a model's item vectors, W = (F^T F + lambda I)^-1 F^T V: it
 * places an item nobody has interacted with in the space of the trained items, from its content alone, and
 * the service scores it like any trained item (user vector . item vector). The targets are the model's own
 * vectors, popularity and all: their norm grows with an item's audience, and the bias feature and the year
 * bins predict that part, which decides most of recall on cold items.
 *
 * Two regressions over one vocabulary: the full view (map) for items whose genres and year are given, and the
 * text view (title, description, attributes: textView) that mapText blends in for items known by their text.
 * Fitted on the full view, description words only explain what genres and years leave over, and an item
 * onboarded from text then leans on genres guessed from that text (the rule extractor's are right about half the
 * time); fitted without them, the words carry what genres and years would have said.
 */
export class ContentMap {
  private constructor(
    readonly featurizer: ContentFeaturizer,
    readonly factors: number,
    private readonly full: FittedView,
    private readonly text: FittedView,
  ) {}

  /** `items[r]` has the vector in row r of `vectors` (items.length x factors). */
  static fit(items: readonly ItemContent[], vectors: Float32Array, factors: number, opts: ContentMapOptions = {}): ContentMap {
    if (vectors.length !== items.length * factors) throw new InputError(`${items.length} items of ${factors} factors need ${items.length * factors} floats, got ${vectors.length}`);
    const featurizer = ContentFeaturizer.fromCatalog(items);
    const lambda = (opts.shrinkage ?? DEFAULT_SHRINKAGE) * items.length;
    if (!(lambda > 0)) throw new InputError("content map: shrinkage must be > 0 and the catalog non-empty");
    const spread = opts.spread ?? DEFAULT_SPREAD;
    const fitView = (rows: readonly SparseFeatures[]): FittedView => {
      const weights = solveRidge(rows, featurizer.dimension, vectors, factors, lambda);
      const predictions = new Float32Array(vectors.length);
      rows.forEach((row, r) => predictions.set(predict(weights, factors, row), r * factors));
      return { weights, calibration: spread === 0 ? SpreadCalibration.none(factors) : SpreadCalibration.fit(vectors, predictions, factors, spread) };
    };
    const full = fitView(items.map((item) => featurizer.featurize(item)));
    const text = fitView(items.map((item) => featurizer.featurize(textView(item))));
    return new ContentMap(featurizer, factors, full, text);
  }

  static fromJSON(json: unknown): ContentMap {
    const parsed = jsonSchema.safeParse(json);
    if (!parsed.success) throw new InputError(`content map: not a ${FORMAT} version ${VERSION} file (${parsed.error.issues[0]?.message}); rebuild the artifacts`);
    const { vocabulary, factors } = parsed.data;
    const restore = (view: { weights: string; calibration: z.infer<typeof calibrationSchema> }, name: string): FittedView => {
      const weights = decodeFloats(view.weights);
      if (weights.length !== vocabulary.length * factors) throw new InputError(`content map (${name}): ${vocabulary.length} features x ${factors} factors need ${vocabulary.length * factors} weights, got ${weights.length}`);
      const { spread, scale } = view.calibration;
      const shift = decodeFloats(view.calibration.shift);
      if (shift.length !== factors) throw new InputError(`content map (${name}): the calibration shift needs ${factors} values, got ${shift.length}`);
      return { weights, calibration: SpreadCalibration.restore(spread, scale, shift) };
    };
    return new ContentMap(new ContentFeaturizer(vocabulary), factors, restore(parsed.data, "full view"), restore(parsed.data.text, "text view"));
  }

  /** The vector for an item from its content, calibrated to the trained items' spread. */
  map(item: ItemContent): Float32Array {
    return this.full.calibration.apply(predict(this.full.weights, this.factors, this.featurizer.featurize(item)));
  }

  /**
   * The vector for an item whose genres were not given (guessed from its text, or none): the full view given the
   * item as it is and the text view, blended by TEXT_VIEW_SHARE. When the catalog's descriptions share no word with
   * the item's (a catalog without descriptions, an item without one) the text view knows only the title, and the
   * full view alone places it.
   */
  mapText(item: ItemContent): Float32Array {
    return this.blendTextView(item, this.map(item));
  }

  /** `full` (the full view's placement) blended with the text view's, as mapText says. */
  private blendTextView(item: ItemContent, full: Float32Array): Float32Array {
    const features = this.featurizer.featurize(textView(item));
    if (!features.indices.some((a) => this.featurizer.vocabulary[a].startsWith("text#"))) return full;
    const text = this.text.calibration.apply(predict(this.text.weights, this.factors, features));
    return full.map((x, c) => (1 - TEXT_VIEW_SHARE) * x + TEXT_VIEW_SHARE * text[c]);
  }

  /**
   * mapText for an item whose year is a guess spread over candidate years: its placements at each, averaged by their
   * weights (the ridge is linear in the year's features and the calibration affine, so this is the placement with
   * those features averaged). Validation P2 recall@20, text only, with the years of the 10 catalog items whose
   * descriptions are most like the item's: tags .2572 -> .2587, plot overviews .0805 -> .0831; their weighted
   * median year alone .2435 / .0828, mean .2424 on tags. mapText as it is when there are none. The text view reads
   * no year, so only the full view is placed at each year; the text view is blended in once.
   */
  mapTextAtYears(item: ItemContent, years: readonly YearEstimate[]): Float32Array {
    const total = years.reduce((sum, { weight }) => sum + weight, 0);
    if (!(total > 0)) return this.mapText(item);
    const full = new Float32Array(this.factors);
    for (const { year, weight } of years) this.map({ ...item, year }).forEach((x, c) => (full[c] += (x * weight) / total));
    return this.blendTextView(item, full);
  }

  toJSON(): ContentMapJson {
    const view = ({ weights, calibration: { spread, scale, shift } }: FittedView) => ({ weights: encodeFloats(weights), calibration: { spread, scale, shift: encodeFloats(shift) } });
    return { format: FORMAT, version: VERSION, vocabulary: [...this.featurizer.vocabulary], factors: this.factors, ...view(this.full), text: view(this.text) };
  }
}

/** A regression's own prediction (the conditional mean), before calibration. */
function predict(weights: Float32Array, f: number, { indices, values }: SparseFeatures): Float32Array {
  const out = new Float32Array(f);
  indices.forEach((a, n) => {
    for (let c = 0; c < f; c++) out[c] += values[n] * weights[a * f + c];
  });
  return out;
}

/** The items' features as one compressed sparse row matrix (items x features), for the solver's tight loops. */
interface FeatureRows {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float64Array;
}

function featureRows(rows: readonly SparseFeatures[]): FeatureRows {
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((row, r) => (indptr[r + 1] = indptr[r] + row.indices.length));
  return { indptr, indices: Int32Array.from(rows.flatMap((row) => row.indices)), values: Float64Array.from(rows.flatMap((row) => row.values)) };
}

/**
 * Solves (F^T F + lambda I) W = F^T V for every column of V at once by conjugate gradient with a Jacobi
 * preconditioner, touching F only through its sparse rows: with a few thousand features and 100+ factors a
 * dense Cholesky would take tens of seconds, this 2-3 s on ml-latest-small (about 45 iterations). Float64.
 */
function solveRidge(sparse: readonly SparseFeatures[], d: number, vectors: Float32Array, f: number, lambda: number): Float32Array {
  const { indptr, indices, values } = featureRows(sparse);
  const n = sparse.length;
  const preconditioner = new Float64Array(d).fill(lambda);
  for (let p = 0; p < values.length; p++) preconditioner[indices[p]] += values[p] * values[p];
  for (let a = 0; a < d; a++) preconditioner[a] = 1 / preconditioner[a];
  const rhs = new Float64Array(d * f);
  for (let r = 0; r < n; r++) {
    for (let p = indptr[r]; p < indptr[r + 1]; p++) {
      const a = indices[p] * f;
      for (let c = 0; c < f; c++) rhs[a + c] += values[p] * vectors[r * f + c];
    }
  }
  const itemSide = new Float64Array(n * f);
  /** out = (F^T F + lambda I) x */
  const apply = (x: Float64Array, out: Float64Array) => {
    itemSide.fill(0);
    for (let r = 0; r < n; r++) {
      const o = r * f;
      for (let p = indptr[r]; p < indptr[r + 1]; p++) {
        const a = indices[p] * f;
        const v = values[p];
        for (let c = 0; c < f; c++) itemSide[o + c] += v * x[a + c];
      }
    }
    for (let i = 0; i < out.length; i++) out[i] = lambda * x[i];
    for (let r = 0; r < n; r++) {
      const o = r * f;
      for (let p = indptr[r]; p < indptr[r + 1]; p++) {
        const a = indices[p] * f;
        const v = values[p];
        for (let c = 0; c < f; c++) out[a + c] += v * itemSide[o + c];
      }
    }
  };
  /** Per-column dot products of two d x f matrices. */
  const dots = (x: Float64Array, y: Float64Array) => {
    const out = new Float64Array(f);
    for (let a = 0; a < d; a++) for (let c = 0; c < f; c++) out[c] += x[a * f + c] * y[a * f + c];
    return out;
  };
  const precondition = (x: Float64Array, out: Float64Array) => {
    for (let a = 0; a < d; a++) for (let c = 0; c < f; c++) out[a * f + c] = x[a * f + c] * preconditioner[a];
  };

  const w = new Float64Array(d * f);
  const residual = rhs.slice();
  const z = new Float64Array(d * f);
  precondition(residual, z);
  const direction = z.slice();
  const image = new Float64Array(d * f);
  const enough = sum(dots(rhs, rhs)) * TOLERANCE * TOLERANCE;
  let rz = dots(residual, z);
  for (let it = 0; it < MAX_ITERATIONS && sum(dots(residual, residual)) > enough; it++) {
    apply(direction, image);
    const curvature = dots(direction, image);
    const step = rz.map((v, c) => (curvature[c] > 0 ? v / curvature[c] : 0));
    for (let a = 0; a < d; a++) {
      for (let c = 0; c < f; c++) {
        w[a * f + c] += step[c] * direction[a * f + c];
        residual[a * f + c] -= step[c] * image[a * f + c];
      }
    }
    precondition(residual, z);
    const next = dots(residual, z);
    const beta = next.map((v, c) => (rz[c] > 0 ? v / rz[c] : 0));
    for (let a = 0; a < d; a++) for (let c = 0; c < f; c++) direction[a * f + c] = z[a * f + c] + beta[c] * direction[a * f + c];
    rz = next;
  }
  return Float32Array.from(w);
}

const sum = (x: Float64Array) => x.reduce((a, b) => a + b, 0);

function encodeFloats(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function decodeFloats(text: string): Float32Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new InputError("content map: weights are not base64");
  }
  if (binary.length % 4 !== 0) throw new InputError("content map: weights are not a whole number of float32 values");
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < bytes.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}
