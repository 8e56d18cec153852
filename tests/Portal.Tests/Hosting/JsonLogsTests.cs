using System.Text.Json;
using Portal.Tests.Infrastructure;
using Portal.Tests.Webhooks;

namespace Portal.Tests.Hosting;

/// <summary>Issue 18, "Logs": "JSON console logs when Logging:Console:FormatterName=json, with the trace id in each line." The real Portal process.</summary>
public sealed class JsonLogsTests
{
    [Fact]
    public async Task With_the_json_formatter_every_line_is_a_json_object_and_a_request_line_carries_its_trace_id()
    {
        var dll = IngestCrashSafetyTests.PortalDll();
        using var portal = await PortalProcess.StartAsync(dll, settings: new Dictionary<string, string>
        {
            ["Logging:Console:FormatterName"] = "json",
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information", // one line per request
        });
        // No propagation from this process: a listener another test class registers in this process would otherwise
        // replace the traceparent below with its own (the full suite failed so; the test alone passed).
        using var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = System.Diagnostics.DistributedContextPropagator.CreateNoOutputPropagator() })
        {
            BaseAddress = portal.BaseAddress,
        };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
        using var response = await http.SendAsync(request);

        // The line reaches us through the console logger's queue and the process's stdout pipe: wait for it (a minute at
        // most, against a hang; a loaded CI machine took longer than ten seconds once).
        string[] lines = [];
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!guard.IsCancellationRequested && !lines.Any(l => l.Contains(traceId, StringComparison.Ordinal)))
        {
            await Task.Delay(50, CancellationToken.None);
            lines = portal.Tail.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        }

        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var parsed = JsonDocument.Parse(line); // throws on a line that is not JSON
            Assert.True(parsed.RootElement.TryGetProperty("Timestamp", out _), line);
            Assert.True(parsed.RootElement.TryGetProperty("LogLevel", out _), line);
        }

        // Issue 18: "the portal logs a one-line warning at start in Production when no protection is configured".
        Assert.Single(lines, l => l.Contains("\"LogLevel\":\"Warning\"", StringComparison.Ordinal) && l.Contains("key ring is not protected", StringComparison.Ordinal));

        var requestLine = lines.FirstOrDefault(l => l.Contains(traceId, StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"No line of the /healthz request with trace id {traceId} (answered {(int)response.StatusCode}) in:\n{portal.Tail}");
        using var document = JsonDocument.Parse(requestLine);
        var scopes = document.RootElement.GetProperty("Scopes").EnumerateArray().ToList();
        Assert.Contains(scopes, s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TraceId", out var id) && id.GetString() == traceId);
    }
}
