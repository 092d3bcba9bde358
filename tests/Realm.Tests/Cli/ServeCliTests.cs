using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Realm.Tests.Serving;

namespace Realm.Tests.Cli;

public partial class ServeCliTests
{
    private const int Sigterm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [Fact]
    public async Task ServeStopsGracefullyOnSigtermAndARequestUnderWayFinishesFirst()
    {
        using var dir = new TempDirectory();
        using var process = RealmProcess.Start(false, "serve", "--model", ServingModels.CreatePlain(dir), "--port", "0", "--threads", "1", "--shutdown-timeout", "300");
        var stderr = process.StandardError.ReadToEndAsync();
        using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        string first = await process.StandardOutput.ReadLineAsync(startup.Token) ?? "";
        var address = Address().Match(first);
        Assert.True(address.Success, $"no address in '{first}'; stderr: {(process.HasExited ? await stderr : "")}");
        using var http = new HttpClient { BaseAddress = new Uri(address.Groups[1].Value), Timeout = TimeSpan.FromMinutes(2) };

        // A streamed reply of 1,000 tokens is under way when the signal comes.
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = JsonContent.Create(new
            {
                model = "plain-model", prompt = "Once", max_tokens = 1000, temperature = 0, ignore_eos = true, stream = true,
                stream_options = new { include_usage = true },
            }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: ", await events.ReadLineAsync());
        Assert.Equal(0, kill(process.Id, Sigterm));

        var data = new List<string>();
        while (await events.ReadLineAsync() is { } line)
            if (line.StartsWith("data: ", StringComparison.Ordinal)) data.Add(line["data: ".Length..]);
        Assert.Equal("[DONE]", data[^1]);
        var usage = JsonDocument.Parse(data[^2]).RootElement.GetProperty("usage");
        Assert.Equal(1000, usage.GetProperty("completion_tokens").GetInt32());

        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "realm serve did not stop");
        string rest = await process.StandardOutput.ReadToEndAsync();
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}; stderr: {await stderr}");
        Assert.Contains("stopped after 1 completed sequences", rest);
        Assert.Equal("", await stderr);
    }

    [Fact]
    public void UserMistakesAreOneLineErrors()
    {
        using var dir = new TempDirectory();
        RealmProcess.AssertUserError(RealmProcess.Run("serve", "--model", dir.File("missing")), "missing");
        RealmProcess.AssertUserError(RealmProcess.Run("serve", "--model", dir.File("missing"), "--host", "example.com"), "--host", "example.com");

        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        RealmProcess.AssertUserError(RealmProcess.Run("serve", "--model", ServingModels.CreatePlain(dir), "--port", port.ToString()),
            $"cannot listen on 127.0.0.1:{port}");
    }

    [Fact]
    public void BenchServeMeasuresEveryLevel()
    {
        var r = RealmProcess.Run("bench", "serve", "--dim", "32", "--layers", "1", "--heads", "2", "--kv-heads", "1", "--ffn", "64",
            "--prompt", "8", "--gen", "4", "--clients", "1,3", "--requests-per-client", "2", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var levels = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        Assert.Equal([1, 3], levels.Select(l => l.GetProperty("clients").GetInt32()));
        Assert.Equal([2, 6], levels.Select(l => l.GetProperty("requests").GetInt32()));
        foreach (var level in levels)
        {
            double p50 = level.GetProperty("ttft_p50_ms").GetDouble(), p90 = level.GetProperty("ttft_p90_ms").GetDouble(), p99 = level.GetProperty("ttft_p99_ms").GetDouble();
            Assert.True(p50 > 0 && p50 <= p90 && p90 <= p99, level.ToString());
            Assert.True(level.GetProperty("requests_per_s").GetDouble() > 0);
        }
    }

    [GeneratedRegex(@" on (http://\S+)")]
    private static partial Regex Address();
}
