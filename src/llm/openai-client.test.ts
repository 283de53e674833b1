import { describeLlmClientBehaviour } from "./openai-client.suite.ts";

describeLlmClientBehaviour("node");
