import { describeWorkersAiClient } from "./workers-ai.suite.ts";

describeWorkersAiClient("node");
