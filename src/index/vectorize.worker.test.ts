import { describeVectorIndexContract } from "./index.contract.ts";
import { CONSISTENCIES, vectorizeOverStandIn } from "./vectorize.fixture.ts";

// Inside workerd, over the stand-in of the Vectorize binding (Vectorize has no local emulation).
for (const [consistency, how] of CONSISTENCIES) {
  describeVectorIndexContract(`VectorizeIndex in workerd (stand-in binding, ${how})`, async (dimension) => vectorizeOverStandIn(dimension, consistency).index);
}
