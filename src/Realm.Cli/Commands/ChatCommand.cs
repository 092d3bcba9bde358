using System.CommandLine;
using System.Diagnostics;
using Realm.Engine.Chat;
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;

namespace Realm.Cli.Commands;

/// <summary>
/// <c>realm chat</c>: a multi-turn conversation in the terminal, replies streamed as they are generated.
/// From a terminal it prompts with "> "; from a pipe it reads one message per line and prints each reply
/// on stdout (one line per reply unless the reply itself has newlines). A line after each reply, on
/// stderr, gives its token count, why it ended and the speed.
/// </summary>
internal static class ChatCommand
{
    private const int DefaultContext = 4096;

    public static Command Create()
    {
        var common = new CommonOptions();
        var weights = new WeightsOption();
        var model = new Option<string>("--model") { Description = "Model directory (config.json, model.safetensors, tokenizer.json).", Required = true };
        var adapter = new AdapterOption();
        var system = new Option<string?>("--system") { Description = "System prompt: the first message of every conversation." };
        var template = new Option<string>("--template")
        {
            Description = "Chat format: auto (from tokenizer_config.json's chat_template), none (plain lines), chatml or llama3.",
            DefaultValueFactory = _ => "auto",
        };
        var context = new Option<int>("--context")
        {
            Description = "Tokens of conversation the KV cache holds (capped by the model's max_position_embeddings); older turns are dropped beyond it.",
            DefaultValueFactory = _ => DefaultContext,
        };
        var noThinking = new Option<bool>("--no-thinking") { Description = "Qwen3: pass enable_thinking=false, so replies start without a reasoning block." };
        var date = new Option<string?>("--date") { Description = "Llama-3.1/3.2: the \"Today Date\" of the system header (date_string), e.g. \"26 Jul 2024\"." };
        var sampling = new SamplingFlags(defaultMaxNewTokens: 512);

        var command = new Command("chat", "Chat with a model in the terminal (or one message per line from a pipe). /reset starts over, /exit quits.")
        {
            model, adapter.Option, system, template, context, noThinking, date,
        };
        sampling.AddTo(command);
        weights.AddTo(command);
        common.AddTo(command);
        command.SetAction(result =>
        {
            string dir = result.GetRequiredValue(model);
            int contextLength = result.GetValue(context);
            if (contextLength < 2) throw new RealmException($"--context must be at least 2, got {contextLength}");
            var weightChoice = weights.Read(result);
            using var cpu = common.CreateCpu(result);
            using var adapters = adapter.Load(result, dir);
            using var llm = ModelWeights.Load(weightChoice, dir, cpu, adapters);
            if (!File.Exists(Path.Combine(dir, TokenizerLoader.FileName)))
                throw new RealmException($"{dir}: no {TokenizerLoader.FileName}; chat needs the model's tokenizer");
            var tokenizer = TokenizerLoader.Load(dir);
            var chatTemplate = ChooseTemplate(result.GetRequiredValue(template), tokenizer, dir);
            var generation = GenerationConfig.LoadIfPresent(dir);
            var options = new ChatSessionOptions
            {
                SystemPrompt = result.GetValue(system),
                Sampling = sampling.Read(result),
                GenerationConfig = generation,
                DefaultMaxNewTokens = sampling.DefaultMaxNewTokens,
                StopTokens = SamplingDefaults.StopTokens(generation, tokenizer, llm.Config),
                ContextLength = contextLength,
                Variables = new ChatTemplateVariables
                {
                    EnableThinking = result.GetValue(noThinking) ? false : null,
                    DateString = result.GetValue(date),
                },
            };
            // Checks the flags once up front, so a bad value is one clear error rather than one per turn.
            SamplingDefaults.Resolve(options.Sampling, generation, promptLength: 0, options.DefaultMaxNewTokens).Validate();

            using var session = new ChatSession(llm, tokenizer, chatTemplate, options);
            Converse(session, chatTemplate, interactive: !Console.IsInputRedirected);
            return 0;
        });
        return command;
    }

    private static ChatTemplate ChooseTemplate(string name, ITokenizer tokenizer, string dir) => name == "auto"
        ? ChatTemplate.For(tokenizer, Path.Combine(dir, "tokenizer_config.json"))
        : ChatTemplate.Named(name, tokenizer.BosId is int bos ? tokenizer.Decode([bos]) : null);

    private static void Converse(ChatSession session, ChatTemplate template, bool interactive)
    {
        if (interactive) Console.Error.WriteLine($"chat format: {template.Description}. /reset starts over, /exit quits.");
        while (true)
        {
            if (interactive) Console.Write("> ");
            string? line = Console.ReadLine();
            if (line == null || line.Trim() is "/exit" or "/quit") return;
            if (line.Trim() == "/reset")
            {
                session.Reset();
                Console.Error.WriteLine("(new conversation)");
                continue;
            }
            if (line.Length == 0) continue;
            Reply(session, line, interactive);
        }
    }

    // A message the context cannot hold is reported and skipped; the conversation goes on.
    private static void Reply(ChatSession session, string message, bool interactive)
    {
        var clock = Stopwatch.StartNew();
        ChatReply reply;
        try
        {
            reply = session.Send(message, piece =>
            {
                Console.Write(interactive ? Printable(piece) : piece);
                Console.Out.Flush();
            });
        }
        catch (RealmException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return;
        }
        Console.WriteLine();
        int tokens = reply.Completion.Tokens.Length;
        string dropped = reply.DroppedMessages > 0 ? $", {reply.DroppedMessages} old messages dropped to fit the context" : "";
        Console.Error.WriteLine($"[{tokens} tokens, {reply.Completion.FinishReason.ToString().ToLowerInvariant()}, "
            + $"{tokens / Math.Max(clock.Elapsed.TotalSeconds, 1e-9):F1} tokens/s, prompt {reply.PromptTokens} tokens of which {reply.ReusedTokens} cached{dropped}]");
    }

    // A terminal would act on control characters a model emits (carriage returns, escape sequences): show them instead.
    private static string Printable(string text) => text.Any(IsHidden)
        ? string.Concat(text.Select(c => IsHidden(c) ? $"\\x{(int)c:X2}" : c.ToString()))
        : text;

    private static bool IsHidden(char c) => char.IsControl(c) && c is not ('\n' or '\t');
}
