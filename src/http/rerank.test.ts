import { describeRerankApi } from "./rerank.suite.ts";

describeRerankApi("node");
