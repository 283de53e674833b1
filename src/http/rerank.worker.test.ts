import { describeRerankApi } from "./rerank.suite.ts";

// Inside workerd: the deadline timer, AbortSignal.any and the SDK's abort path, as on Node.
describeRerankApi("workerd");
