import { describeObservability } from "./observability.suite.ts";

// Inside workerd: crypto.randomUUID, performance.now and the route-pattern lookup, as on Node.
describeObservability("workerd");
