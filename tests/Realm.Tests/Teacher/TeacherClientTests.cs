using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Realm.Teacher;

namespace Realm.Tests.Teacher;

public class TeacherClientTests
{
    [Theory]
    [InlineData("text/html", "<html><body>Welcome to nginx!</body></html>")]
    [InlineData("application/json", "{\"object\": \"chat.completion\", \"choices\": []}")]
    public async Task AReplyThatIsNotAChatCompletionIsAClearError(string contentType, string body)
    {
        // What a base URL pointing at the wrong server, or a server that half speaks the API, answers.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapPost("/v1/chat/completions", async context =>
        {
            context.Response.ContentType = contentType;
            await context.Response.WriteAsync(body);
        });
        await app.StartAsync();
        var endpoint = new Uri(new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()), "/v1");

        var client = new TeacherClient(new TeacherOptions { Endpoint = endpoint, Model = "m" });
        var error = await Assert.ThrowsAsync<RealmException>(() => client.AskAsync("system", "Question: 1 + 1", 1, CancellationToken.None));
        Assert.StartsWith($"{endpoint}: the reply is not an OpenAI chat completion", error.Message);
        Assert.Equal(0, client.Retries);
    }
}
