// The texts the parity fixtures encode: one large mixed document (the hard cases of each pre-tokenizer
// regex, normalizer and added-token matcher, in many scripts) plus short edge cases. Deterministic.

const prose = [
  // English, with contractions in every case the (?i:'s|'t|'re|'ve|'m|'ll|'d) alternative covers.
  "The quick brown fox jumps over the lazy dog. It's what they'd say: I'm sure you're right, we'll see, they've gone.",
  "SHOUTING: IT'S DONE, WE'LL GO, THEY'RE HERE, YOU'VE WON, I'M OUT, HE'D KNOW, DON'T. Mixed: It'S, we'Ll, They'rE.",
  "Odd apostrophes: rock'n'roll, O'Neil's, 'quoted', ''double'', ''''', ' s, 's, 'S, x'ſ, 'ſtop, ’s (curly), ʼs, 'ẞ, 'K.",
  "Possessives: the dog's bone, the dogs' bones, James's car, the 1990's, 'tis, 'twas, ol' man, y'all'd've.",
  // Latin scripts with diacritics.
  "Français : l'été dernier, où était-il ? À côté de l'hôpital, près du château. Ça va ? Œuvre, cœur, naïve, Noël.",
  "Deutsch: Die Straße ist groß, Grüße aus München! Äpfel, Öl, Übermut, ß und ẞ. Fußgängerübergänge.",
  "Español: ¿Dónde está el niño? ¡Qué año! Mañana, pingüino, acción. Português: não, coração, maçã, avô, você.",
  "Polski: zażółć gęślą jaźń. Čeština: Příliš žluťoučký kůň úpěl ďábelské ódy. Română: știință, țară.",
  "Türkçe: İstanbul'da ılık bir gün; IĞDIR, ışık, şişe, göğüs. Magyar: árvíztűrő tükörfúrógép.",
  "Tiếng Việt: Tôi yêu tiếng Việt, những người bạn, phở bò, cà phê sữa đá, Hà Nội, Hồ Chí Minh.",
  "Íslenska: Þórður, ðæ, Ægir. Dansk: blåbærgrød, Ærø. Norsk: øl, Ålesund. Suomi: hyvää yötä, äiti.",
  // Other scripts.
  "Русский: Съешь же ещё этих мягких французских булок, да выпей чаю. Ёлка, ЁЖ, Щука, Эхо.",
  "Українська: Їжак ґедзь, євшан-зілля, пʼять, п'ять. Български: Жълтата дюля беше щастлива.",
  "Ελληνικά: Ξεσκεπάζω την ψυχοφθόρα βδελυγμία. Άλφα, ΐ, ΰ, ς, Σίσυφος, ΑΘΗΝΑ.",
  "العربية: نص حكيم له سر قاطع وذو شأن عظيم مكتوب على ثوب أخضر ومغلف بجلد أزرق. السلام عليكم!",
  "فارسی: سلام دنیا، حال شما چطور است؟ ۱۲۳۴۵۶۷۸۹۰ و ٠١٢٣٤٥٦٧٨٩.",
  "עברית: דג סקרן שט בים מאוכזב ולפתע מצא חברה. שָׁלוֹם עֲלֵיכֶם.",
  "हिन्दी: ऋषियों को सताने वाले दुष्ट राक्षसों के राजा रावण का सर्वनाश करने वाले विष्णुवतार भगवान श्रीराम। क़िला, ज़रूर, फ़िल्म। २०२४",
  "বাংলা: আমি বাংলায় গান গাই। தமிழ்: யாமறிந்த மொழிகளிலே தமிழ்மொழி போல். తెలుగు: తెలుగు భాష.",
  "ไทย: เป็นมนุษย์สุดประเสริฐเลิศคุณค่า กว่าบรรดาฝูงสัตว์เดรัจฉาน ๑๒๓",
  "中文：我能吞下玻璃而不伤身体。繁體中文：我能吞下玻璃而不傷身體。「引號」、『書名』，句號。！？",
  "日本語：いろはにほへと ちりぬるを わかよたれそ つねならむ。カタカナ、ｶﾀｶﾅ（半角）、漢字、ー〜。",
  "한국어: 다람쥐 헌 쳇바퀴에 타고파. 키스의 고유조건은 입술끼리 만나야 하고 특별한 기술은 필요치 않다.",
  "ქართული: ქართული ენა. Հայերեն: Բարեւ աշխարհ. አማርኛ: ሰላም ለዓለም. ᐃᓄᒃᑎᑐᑦ. ᚠᚢᚦᚨᚱᚲ.",
  // Astral-plane letters and digits: \p{L} and \p{N} beyond the BMP.
  "Math: 𝐇𝐞𝐥𝐥𝐨 𝕎𝕠𝕣𝕝𝕕 𝒮𝒸𝓇𝒾𝓅𝓉 𝟙𝟚𝟛 𝟘. CJK Ext B: 𠀀𠀁𠀂 𪚥 𠜎. Gothic: 𐌰𐌱𐌲 𐍈. Old Italic: 𐌀𐌁. x𝐀1 'x𝐀 '𝐀s.",
  // Emoji: modifiers, ZWJ sequences, flags, keycaps, tags.
  "Emoji: 😀 😃😄 👍 👍🏽👍🏿 👨‍👩‍👧‍👦 👩🏽‍💻 🧑🏿‍🚀 🏳️‍🌈 🏳️‍⚧️ ❤️ ❤ ♥️ 🇫🇷🇯🇵🇺🇸🇺🇦 🇪🇺 1️⃣ #️⃣ *️⃣ 🏴󠁧󠁢󠁳󠁣󠁴󠁿 🫠🫶 ☺️✨",
  "Emoji glued to words: hello😀world, 😀hello, hello😀, 42😀, 😀42, a👨‍👩‍👧b, 🇫🇷France, 'emoji's 😀's.",
];

const code = [
  `using System;

namespace Demo;

public static class Program
{
    // A comment with "quotes" and 'chars'.
    public static int Main(string[] args)
    {
        var total = 0;
        for (int i = 0; i < args.Length; i++)
        {
            total += int.Parse(args[i]) * 0x1F + 1_000_000;
        }
        Console.WriteLine($"total = {total:N0}\\t(done)");
        return total > 42 ? 0 : -1;
    }
}
`,
  `def fibonacci(n: int) -> list[int]:
    """Return the first n Fibonacci numbers."""
    a, b = 0, 1
    result = []
    for _ in range(n):
        result.append(a)
        a, b = b, a + b
    return result


class Tree:
\tdef __init__(self, value):
\t\tself.value = value  # tabs for indentation
\t\tself.children: list["Tree"] = []

    def walk(self):
        yield self.value
        for child in self.children:
            yield from child.walk()

if __name__ == "__main__":
    print(fibonacci(10), {'a': 1, "b": [2, 3]}, f"{3.14159:.2f}", r"\\d+\\s*")
`,
  `{"name": "realm", "version": "1.2.3", "tags": ["bpe", "tokenizer"], "nested": {"x": null, "y": true, "z": -0.5e-10}}`,
  `SELECT u.id, COUNT(*) AS n FROM users u LEFT JOIN orders o ON o.user_id = u.id WHERE u.name LIKE '%O''Brien%' GROUP BY u.id HAVING n >= 3;`,
  `<!DOCTYPE html>\n<html lang="en">\n  <body>\n    <p class="x">Hello &amp; welcome &lt;3</p>\n  </body>\n</html>`,
  `$ ls -la ~/src && grep -rn "TODO" --include=*.cs . | wc -l\n#!/usr/bin/env bash\nset -euo pipefail\necho "\${HOME}/bin:$PATH" >> ~/.bashrc`,
  `// Regexes and operators: a->b, a=>b, x!=y, x==y, x<=y, i++, --j, a&&b||c, x??=y, ::, ..., /^\\s*(\\d{1,3})[.,]?$/gu`,
];

const whitespace = [
  "Trailing spaces   \nand tabs\t\t\nmixed \t \t end",
  "Many spaces:          between words and     \n\n\n   indentation after blank lines.",
  "CRLF line\r\nanother\r\n\r\nblank CRLF above\r\n  indented CRLF\r\n\ttabbed\r\n",
  "Lone CR\rin text\r\rand CR LF mix \n\r \r\n",
  "Unicode spaces: a\u00A0b\u2009c\u3000d\u2002e\u202Ff\u205Fg\u200Bh\u2028i\u2029j\u0085k\u000Bl\u000Cm",
  "   leading spaces, then a word",
  "\n\n\nleading newlines",
  "ends with spaces and newline   \n   ",
  " \t\n \t\n",
];

const specialTokenText = [
  "<|endoftext|>Document one.<|endoftext|>Document two<|endoftext|>",
  "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n<think>\nTwo plus two is four.\n</think>\n\nThe answer is 4.<|im_end|>",
  "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 2, \"b\": 2}}\n</tool_call>",
  "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>",
  "<|bos|>Our own: 2 + 2 = 4 <verify>ok</verify> <think>hmm</think><|eos|><|pad|><|pad|>",
  "Partial and broken: <|im_start <|endoftext| <|endoftext||> <<|im_end|>> < |im_end| > <|IM_END|> <|reserved_special_token_0|> <verify <|bos",
  "Adjacent: <|endoftext|><|endoftext|><|im_end|><|im_start|><|eot_id|><|eot_id|>text<|eot_id|> <|eot_id|> ",
];

function numbers() {
  const parts = [];
  let digits = "";
  for (let n = 1; n <= 32; n++) {
    digits += String((n * 7) % 10);
    parts.push(digits);
  }
  parts.push("3.14159 2.718281828 -0.5 +1e-10 6.022e23 1,234,567.89 1.234.567,89 100% 50/50 1/3 ½ ¾ ⅞");
  parts.push("2024-01-15 12:34:56.789 v1.2.3-beta.4 0xDEADBEEF 0b1010 1_000_000 #123 No.5 3rd 21st 1990s");
  parts.push("Digits elsewhere: ٠١٢٣٤٥٦٧٨٩ ۰۱۲۳ ०१२३४ ১২৩ ๑๒๓ １２３４５ ²³¹ ⁴⁵ ₀₁₂ Ⅻ ⅻ ① ⑳ 〇一二三 𝟙𝟚 𝟎𝟏");
  parts.push("Phone +1 (555) 123-4567, ISBN 978-3-16-148410-0, IP 192.168.0.1, price $1,299.99 / €5 / ¥100 / ₹2,500.");
  return parts.join(" ");
}

// Decomposed and otherwise non-NFC text, for Qwen's NFC normalizer.
const unnormalized = [
  "NFD: Cafe\u0301, nai\u0308ve, re\u0301sume\u0301, A\u030Angstro\u0308m, \u212Bngstr\u00F6m (Angstrom sign), \u2126 (Ohm sign), K\u212A.",
  "Combining order: a\u0307\u0323 a\u0323\u0307 q\u0307\u0323 e\u0302\u0301 e\u0301\u0302 o\u031B\u0303 u\u0308\u0304 \u0301leading mark.",
  "Hangul jamo: \u1100\u1161\u11A8 \u1112\u1161\u11AB\u1100\u1173\u11AF \u1100\u1161 + \u11A8 = \u1100\u1161\u11A8, syllable+jamo \uAC00\u11A8.",
  "Vietnamese NFD: " + "Tiếng Việt có dấu: những người bạn, phở, cà phê".normalize("NFD"),
  "Singletons and exclusions: \uF900\uF901 \u0958\u0959 \u0344 \u0340\u0341 \u1F71 \u2000\u2001 \u0374 \u037E \u0387.",
  "Hebrew/Arabic marks: \u05E9\u05C1\u05B8 \u05E9\u05B8\u05C1 \u0627\u0653 \u0648\u0654 \u064A\u0654.",
  "Devanagari: \u0915\u093C \u0928\u093C \u0930\u093C. Bengali: \u09C7\u09BE \u09C7\u09D7. Tamil: \u0BC6\u0BBE.",
];

// A small seeded generator (mulberry32), so the random section is the same on every run.
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Blocks assigned long ago (no code point here is newer than Unicode 6), so every Unicode table agrees.
const blocks = [
  [0x20, 0x7e], [0x20, 0x7e], [0x20, 0x7e], [0xa0, 0xff], [0x100, 0x17f], [0x300, 0x36f], [0x391, 0x3a1],
  [0x3b1, 0x3c9], [0x410, 0x44f], [0x5d0, 0x5ea], [0x621, 0x64a], [0x660, 0x669], [0x905, 0x939], [0x966, 0x96f],
  [0xe01, 0xe2e], [0x3041, 0x3096], [0x30a1, 0x30fa], [0x4e00, 0x4fff], [0xac00, 0xad00], [0x2010, 0x2027],
  [0x2190, 0x21ff], [0x2200, 0x22ff], [0x1f600, 0x1f64f], [0x1f300, 0x1f3f0], [0x1d400, 0x1d454], [0x1d7ce, 0x1d7ff],
  [0x20000, 0x20100], [0x10330, 0x1034a],
];
const separators = [" ", " ", " ", "  ", "\n", "\t", "\r\n", " \n", "\n\n", "   ", "'s ", "'LL ", "'re ", ". ", ", "];

function randomSection(length, seed) {
  const next = random(seed);
  let text = "";
  while (text.length < length) {
    const [first, last] = blocks[Math.floor(next() * blocks.length)];
    const wordLength = 1 + Math.floor(next() * 8);
    for (let i = 0; i < wordLength; i++) text += String.fromCodePoint(first + Math.floor(next() * (last - first + 1)));
    text += separators[Math.floor(next() * separators.length)];
  }
  return text;
}

/** The large mixed document: every section above, repeated with variations, plus 20 KB of random text. */
export function largeText() {
  const sections = [];
  for (let round = 0; round < 3; round++) {
    sections.push(prose.join(round === 1 ? "\n" : "\n\n"));
    sections.push(code.join("\n\n"));
    sections.push(whitespace.join(round === 2 ? "" : "\n"));
    sections.push(specialTokenText.join(round === 0 ? "\n" : " "));
    sections.push(numbers());
    sections.push(unnormalized.join("\n"));
  }
  sections.push(randomSection(20000, 1234));
  return sections.join("\n\n");
}

/** Short texts that each isolate one behaviour. */
export function edgeTexts() {
  return [
    "", " ", "  ", "\n", "\r\n", "\t", "a", "A", "é", "e\u0301", "😀", "👨‍👩‍👧‍👦", "🇫🇷", "𝐀", "𠀀", "'", "'s", "'S", "'ſ", "x'ſ",
    "Hello world", " Hello world", "Hello  world", "Hello\n\nworld", "Hello \n world", "hello   \n", "   ", "a   b",
    "1", "12", "123", "1234", "12345", "123456789", "1.5", "١٢٣", "𝟙𝟚𝟛",
    "<|endoftext|>", "<|im_start|>", "<|begin_of_text|>", "<|bos|>", "<verify>", "<think>", "<tool_call>", "<|endoftext|",
    "don't", "DON'T", "we'LL", "they'Re", "I'm", "you've", "she'd", "it's", "its'",
    ...unnormalized, ...whitespace, ...specialTokenText,
  ];
}
