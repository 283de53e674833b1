import { describeWorkersAiClient } from "./workers-ai.suite.ts";

// Inside workerd, where the real binding lives; the binding itself is the stand-in (workers-ai.fake.ts).
describeWorkersAiClient("workerd");
