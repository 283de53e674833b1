// npm run build:prompts: regenerate src/llm/prompts.generated.ts from prompts/*.md. Commit the result:
// the Worker bundle imports it (no file system there) and a test fails when it is stale.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register();
const { writePromptsModule } = await import("../src/llm/prompt-build.node.ts");
const { path, prompts } = await writePromptsModule(fileURLToPath(new URL("..", import.meta.url)));
console.log(`wrote ${prompts} prompts to ${path}`);
