import { describeLlmClientBehaviour } from "./openai-client.suite.ts";

// The same behaviours inside workerd: SDK, fake server, prompts (LangChain) and tiktoken all run there.
describeLlmClientBehaviour("workerd");
