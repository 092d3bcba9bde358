namespace Realm.Server;

/// <summary>Writes <see cref="ApiException"/>s, and turns anything else that escapes a handler into a 500 of the same shape.</summary>
internal static class ErrorResponses
{
    public static async Task WriteAsync(HttpContext context, ApiException error)
    {
        if (context.Response.HasStarted) return; // a stream already under way reports errors in-band
        context.Response.Clear();
        context.Response.StatusCode = error.Status;
        if (error.Status is StatusCodes.Status503ServiceUnavailable or StatusCodes.Status429TooManyRequests)
            context.Response.Headers.RetryAfter = "1";
        await context.Response.WriteAsJsonAsync(error.ToJson(), (System.Text.Json.JsonSerializerOptions?)null, context.RequestAborted);
    }

    /// <summary>Middleware: API errors get their status, a body larger than allowed 413, a client that left nothing, the rest 500.</summary>
    public static async Task Handle(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (ApiException e)
        {
            await WriteAsync(context, e);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await WriteAsync(context, TooLarge());
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client disconnected; its sequences were cancelled with it.
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"error: {context.Request.Method} {context.Request.Path}: {e}");
            await WriteAsync(context, new ApiException(StatusCodes.Status500InternalServerError, "The server had an error while processing your request.", "server_error"));
        }
    }

    public static ApiException TooLarge() =>
        new(StatusCodes.Status413PayloadTooLarge, "The request body is larger than the server accepts.", "invalid_request_error", null, "request_too_large");
}
