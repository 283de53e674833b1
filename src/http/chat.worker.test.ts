import { describeChatApi } from "./chat.suite.ts";

// Inside workerd: state signing through Web Crypto, streaming, and the LLM fallbacks as on Node.
describeChatApi("workerd");
