using System.Security.Cryptography;
using System.Text;

namespace Realm.Server;

/// <summary>Middleware: with an API key set, every /v1 request needs "Authorization: Bearer KEY" (401 otherwise); /health stays open.</summary>
internal sealed class ApiKeyCheck(string key)
{
    private readonly byte[] _expected = Encoding.UTF8.GetBytes("Bearer " + key);

    public async Task Handle(HttpContext context, RequestDelegate next)
    {
        if (context.Request.Path.StartsWithSegments("/v1"))
        {
            string header = context.Request.Headers.Authorization.ToString();
            if (header.Length == 0)
                throw Unauthorized("You didn't provide an API key. Send it in an Authorization header: 'Authorization: Bearer YOUR_KEY'.");
            // Constant time, so response timing does not reveal how much of a guess was right.
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header), _expected))
                throw Unauthorized("Incorrect API key provided.");
        }
        await next(context);
    }

    private static ApiException Unauthorized(string message) =>
        new(StatusCodes.Status401Unauthorized, message, "invalid_request_error", null, "invalid_api_key");
}
