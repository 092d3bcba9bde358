using System.Text;
using System.Text.RegularExpressions;

namespace Realm.Engine.Chat;

/// <summary>
/// Recognises a Jinja chat template by the expressions that write its messages, and reads its variants
/// from distinctive strings. A template is accepted only when everything it does to system, user and
/// assistant messages is something the built-in format reproduces; a relative that differs in any such
/// way (Qwen1.5 leaving the last turn open, Yi putting the assistant header after each user turn, QwQ's
/// think handling, Llama-3.2-Vision's untrimmed content, ...) is refused rather than rendered wrongly.
/// String literals in templates may hold a newline or the escape \n: the patterns accept both.
/// </summary>
internal static partial class ChatTemplateDetector
{
    public static ChatTemplate Detect(string? jinja, string? bosToken, string source)
    {
        if (string.IsNullOrWhiteSpace(jinja)) return ChatTemplate.None;
        return (ChatTemplate?)ChatMl(jinja, bosToken) ?? Llama3(jinja, bosToken)
            ?? throw new RealmException(
                $"{source}: chat_template is not a format realm can render (it renders ChatML as Qwen2/2.5/3 write it, " +
                "'<|im_start|>' + role + '\\n' + content + '<|im_end|>', and Llama-3's '<|start_header_id|>' + role + " +
                "'<|end_header_id|>\\n\\n' + content | trim + '<|eot_id|>'); realm chat --template none|chatml|llama3 picks one by name");
    }

    private static ChatMlTemplate? ChatMl(string jinja, string? bosToken)
    {
        if (!ChatMlMessage().IsMatch(jinja) || !ChatMlGenerationPrompt().IsMatch(jinja)) return null;
        if (!jinja.Contains("add_generation_prompt", StringComparison.Ordinal) || jinja.Contains("eos_token", StringComparison.Ordinal)) return null;
        bool leadingBos = LeadingBos().IsMatch(jinja);
        if (Occurrences(jinja, "bos_token") != (leadingBos ? 1 : 0)) return null;

        // Qwen3 handles <think> blocks in its own way; any other template that touches them is unknown.
        bool qwen3Reasoning = jinja.Contains("reasoning_content", StringComparison.Ordinal)
            && jinja.Contains("last_query_index", StringComparison.Ordinal);
        if (jinja.Contains("</think>", StringComparison.Ordinal) != qwen3Reasoning) return null;

        Match system = ChatMlDefaultSystem().Match(jinja);
        string? defaultSystem = system.Success ? Unescape(system.Groups["text"].Value) : null;
        return new ChatMlTemplate(defaultSystem, leadingBos ? bosToken ?? "" : null, qwen3Reasoning);
    }

    private static Llama3ChatTemplate? Llama3(string jinja, string? bosToken)
    {
        if (!Llama3Message().IsMatch(jinja) || jinja.Contains("eos_token", StringComparison.Ordinal)) return null;
        Llama3DateHeader? header = null;
        Match cutoff = KnowledgeCutoff().Match(jinja);
        if (cutoff.Success)
        {
            // Llama-3.2 takes today's date when the renderer offers strftime_now; Llama-3.1 sets a fixed one.
            Match date = FixedDate().Match(jinja);
            bool today = jinja.Contains("strftime_now", StringComparison.Ordinal);
            if (!today && !date.Success) return null;
            header = new Llama3DateHeader(cutoff.Groups["cutoff"].Value, today ? null : date.Groups["date"].Value);
        }
        string bos = jinja.Contains("bos_token", StringComparison.Ordinal) ? bosToken ?? "" : "";
        return new Llama3ChatTemplate(bos, header, alwaysAddsGenerationPrompt: !jinja.Contains("add_generation_prompt", StringComparison.Ordinal));
    }

    private static int Occurrences(string text, string value)
    {
        int count = 0;
        for (int at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    // Python/Jinja string-literal escapes; an unknown escape keeps its backslash, as in Python.
    private static string Unescape(string literal)
    {
        var text = new StringBuilder(literal.Length);
        for (int i = 0; i < literal.Length; i++)
        {
            if (literal[i] != '\\' || i + 1 == literal.Length)
            {
                text.Append(literal[i]);
                continue;
            }
            char next = literal[++i];
            text.Append(next switch { 'n' => "\n", 't' => "\t", 'r' => "\r", '\\' => "\\", '\'' => "'", '"' => "\"", _ => "\\" + next });
        }
        return text.ToString();
    }

    private const string NewLine = @"(?:\n|\\n)";
    private const string Role = @"message(?:\['role'\]|\.role)";
    private const string Content = @"message(?:\['content'\]|\.content)";

    [GeneratedRegex(@"'<\|im_start\|>'\s*\+\s*" + Role + @"\s*\+\s*'" + NewLine + @"'\s*\+\s*" + Content + @"\s*\+\s*'<\|im_end\|>'")]
    private static partial Regex ChatMlMessage();

    [GeneratedRegex(@"'<\|im_start\|>assistant" + NewLine + @"'\s*-?\}\}")]
    private static partial Regex ChatMlGenerationPrompt();

    // A complete literal '<|im_start|>system\n...<|im_end|>\n' is the default system turn.
    [GeneratedRegex(@"(?<q>['""])<\|im_start\|>system" + NewLine + @"(?<text>(?:(?!\k<q>)[^\\]|\\.)+?)<\|im_end\|>" + NewLine + @"\k<q>")]
    private static partial Regex ChatMlDefaultSystem();

    [GeneratedRegex(@"^\s*\{\{-?\s*bos_token\s*-?\}\}")]
    private static partial Regex LeadingBos();

    [GeneratedRegex(@"'<\|start_header_id\|>'\s*\+\s*" + Role + @"\s*\+\s*'<\|end_header_id\|>" + NewLine + NewLine + @"'\s*\+\s*" + Content + @"\s*\|\s*trim\s*\+\s*'<\|eot_id\|>'")]
    private static partial Regex Llama3Message();

    [GeneratedRegex(@"Cutting Knowledge Date: (?<cutoff>[^""'\\\n]+)" + NewLine)]
    private static partial Regex KnowledgeCutoff();

    [GeneratedRegex(@"set date_string = (?<q>['""])(?<date>[^'""]+)\k<q>")]
    private static partial Regex FixedDate();
}
