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
        using var http = new HttpClient { BaseAddress = portal.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
        using var response = await http.SendAsync(request);

        string[] lines = [];
        for (var i = 0; i < 200 && !lines.Any(l => l.Contains(traceId, StringComparison.Ordinal)); i++)
        {
            await Task.Delay(50);
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

        var requestLine = lines.First(l => l.Contains("/healthz", StringComparison.Ordinal) && l.Contains(traceId, StringComparison.Ordinal));
        using var document = JsonDocument.Parse(requestLine);
        var scopes = document.RootElement.GetProperty("Scopes").EnumerateArray().ToList();
        Assert.Contains(scopes, s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TraceId", out var id) && id.GetString() == traceId);
    }
}
