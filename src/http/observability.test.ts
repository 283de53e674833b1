import { describeObservability } from "./observability.suite.ts";

describeObservability("node");
