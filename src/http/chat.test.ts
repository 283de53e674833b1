import { describeChatApi } from "./chat.suite.ts";

describeChatApi("node");
