using System.Text.Json;
using System.Text.Json.Nodes;
using Realm.Engine.Generation;

namespace Realm.Server;

/// <summary>
/// POST /v1/chat/completions and POST /v1/completions: parses the request, queues one sequence per choice
/// on the batcher, and answers with one JSON body or, with "stream": true, server-sent events in OpenAI's
/// chunk format ending with <c>data: [DONE]</c>. A client that disconnects cancels its sequences.
/// </summary>
internal sealed class CompletionEndpoint(ServedModel model, ContinuousBatcher batcher, ServerOptions options)
{
    public Task HandleChatAsync(HttpContext context) => HandleAsync(context, chat: true);

    public Task HandleTextAsync(HttpContext context) => HandleAsync(context, chat: false);

    private async Task HandleAsync(HttpContext context, bool chat)
    {
        using var body = await ReadBodyAsync(context);
        var request = chat ? RequestReader.ReadChat(body.RootElement) : RequestReader.ReadCompletion(body.RootElement);
        if (request.Model != model.Name)
            throw new ApiException(StatusCodes.Status404NotFound, $"The model '{request.Model}' does not exist; this server serves '{model.Name}'.",
                "invalid_request_error", "model", "model_not_found");
        var plan = GenerationPlan.Create(request, model, batcher);

        // One cancellation per choice: a stop sequence ends its own choice, a disconnect ends them all.
        var cancels = Enumerable.Range(0, plan.N).Select(_ => CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted)).ToArray();
        try
        {
            var status = batcher.TrySubmit(plan.Sequences([.. cancels.Select(c => c.Token)]), out var streams);
            if (status != SubmitStatus.Accepted) throw Overloaded(status);
            string id = (chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N");
            long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var reader = new ChoiceReader(model, plan);
            if (request.Stream) await StreamAsync(context, chat, request.IncludeUsage, plan, id, created, reader, streams, cancels);
            else
            {
                var results = await Task.WhenAll(streams.Select((s, i) => reader.ReadAsync(i, s, cancels[i], onText: null)));
                var json = chat
                    ? OpenAiJson.ChatCompletion(id, created, model.Name, results, plan.Prompt.Length)
                    : OpenAiJson.TextCompletion(id, created, model.Name, results, plan.Prompt.Length);
                await context.Response.WriteAsJsonAsync(json, (JsonSerializerOptions?)null, context.RequestAborted);
            }
        }
        finally
        {
            foreach (var cancel in cancels)
            {
                cancel.Cancel(); // a choice still running (an error elsewhere) must not hold its slot
                cancel.Dispose();
            }
        }
    }

    private async Task StreamAsync(HttpContext context, bool chat, bool includeUsage, GenerationPlan plan, string id, long created,
        ChoiceReader reader, GenerationStream[] streams, CancellationTokenSource[] cancels)
    {
        var events = new ServerSentEvents(context);
        await events.StartAsync();
        if (chat)
            for (int i = 0; i < plan.N; i++)
                await events.WriteAsync(OpenAiJson.ChatChunk(id, created, model.Name, i, "assistant", "", null));

        JsonObject Piece(int index, string text) => chat
            ? OpenAiJson.ChatChunk(id, created, model.Name, index, null, text, null)
            : OpenAiJson.TextChunk(id, created, model.Name, index, text, null);

        async Task<ChoiceResult> Choice(int index)
        {
            var result = await reader.ReadAsync(index, streams[index], cancels[index], text => events.WriteAsync(Piece(index, text)));
            await events.WriteAsync(chat
                ? OpenAiJson.ChatChunk(id, created, model.Name, index, null, null, result.FinishReason)
                : OpenAiJson.TextChunk(id, created, model.Name, index, "", result.FinishReason));
            return result;
        }

        ChoiceResult[] results;
        try
        {
            results = await Task.WhenAll(Enumerable.Range(0, plan.N).Select(Choice));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Headers are gone: report the failure in the stream, as OpenAI does, and end it.
            Console.Error.WriteLine($"error: {context.Request.Path}: {e}");
            await events.WriteAsync(new ApiException(StatusCodes.Status500InternalServerError, "The server had an error while generating.", "server_error").ToJson());
            await events.WriteDoneAsync();
            return;
        }
        if (includeUsage)
            await events.WriteAsync(OpenAiJson.UsageChunk(id, created, model.Name, chat ? "chat.completion.chunk" : "text_completion",
                plan.Prompt.Length, results.Sum(r => r.CompletionTokens)));
        await events.WriteDoneAsync();
    }

    // The limit is checked here rather than by Kestrel, which would close the connection while the client
    // is still sending, so that the client may lose the 413; Kestrel reads and drops the rest of the body.
    private async Task<JsonDocument> ReadBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength > options.MaxBodyBytes) throw ErrorResponses.TooLarge();
        var body = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            if (body.Length + read > options.MaxBodyBytes) throw ErrorResponses.TooLarge();
            body.Write(buffer, 0, read);
        }
        body.Position = 0;
        try
        {
            return await JsonDocument.ParseAsync(body, default, context.RequestAborted);
        }
        catch (JsonException)
        {
            throw ApiException.BadRequest("We could not parse the JSON body of your request. The body must be valid JSON.");
        }
    }

    private static ApiException Overloaded(SubmitStatus status) => status == SubmitStatus.ShuttingDown
        ? new ApiException(StatusCodes.Status503ServiceUnavailable, "The server is shutting down.", "server_error", null, "shutting_down")
        : new ApiException(StatusCodes.Status503ServiceUnavailable, "The server is busy: every slot is taken and the queue is full. Please retry after a short wait.",
            "server_error", null, "server_overloaded");
}
