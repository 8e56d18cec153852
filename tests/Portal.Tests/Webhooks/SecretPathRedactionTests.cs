using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Core.Keys;
using Portal.Hosting;

namespace Portal.Tests.Webhooks;

/// <summary>The key in a webhook path is replaced in every log message, structured value and scope, for every provider.</summary>
public sealed class SecretPathRedactionTests
{
    private static readonly string Key = SecretFormat.Mint("whk_").Value;
    private static readonly string Path = $"/webhooks/default/crm/{Key}";

    private static (ILoggerFactory Factory, Recorder Recorder) NewFactory()
    {
        var recorder = new Recorder();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(recorder));
        services.AddSecretPathRedaction();
        return (services.BuildServiceProvider().GetRequiredService<ILoggerFactory>(), recorder);
    }

    [Fact]
    public void A_message_and_its_structured_values_name_the_webhook_path_without_the_key()
    {
        var (factory, recorder) = NewFactory();

        factory.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").LogInformation("Request starting {Method} http://localhost{Path} - 202", "POST", Path);

        var line = Assert.Single(recorder.Lines);
        Assert.DoesNotContain(Key, line, StringComparison.Ordinal);
        Assert.Contains("http://localhost/webhooks/default/crm/{key} - 202", line, StringComparison.Ordinal);
        Assert.Contains("Path=/webhooks/default/crm/{key}", line, StringComparison.Ordinal);
        Assert.Contains("Method=POST", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scope_that_carries_the_request_path_is_redacted_too()
    {
        var (factory, recorder) = NewFactory();
        var logger = factory.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics");

        using (logger.BeginScope(new Dictionary<string, object?> { ["RequestPath"] = Path, ["RequestId"] = "r1" }))
        {
            logger.LogDebug("inside");
        }

        var scope = Assert.Single(recorder.Scopes);
        Assert.DoesNotContain(Key, scope, StringComparison.Ordinal);
        Assert.Contains("RequestPath=/webhooks/default/crm/{key}", scope, StringComparison.Ordinal);
        Assert.Contains("RequestId=r1", scope, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_quoted_outside_a_webhook_path_keeps_only_its_kind()
    {
        var (factory, recorder) = NewFactory();

        factory.CreateLogger("Portal").LogWarning("Could not parse {Value}", Key);

        Assert.DoesNotContain(Key, Assert.Single(recorder.Lines), StringComparison.Ordinal);
        Assert.Contains("whk_{key}", recorder.Lines.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Lines_without_a_webhook_path_pass_through_unchanged()
    {
        var (factory, recorder) = NewFactory();

        factory.CreateLogger("Portal").LogInformation("Rotated {Prefix} for /v1/tenants/{Tenant}", Key[..12], "default");

        Assert.Equal($"Rotated {Key[..12]} for /v1/tenants/default | Prefix={Key[..12]}, Tenant=default, {{OriginalFormat}}=Rotated {{Prefix}} for /v1/tenants/{{Tenant}}", recorder.Lines.Single());
    }

    private sealed class Recorder : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<string> LinesQueue { get; } = new();
        public ConcurrentQueue<string> ScopesQueue { get; } = new();
        public IReadOnlyCollection<string> Lines => LinesQueue;
        public IReadOnlyCollection<string> Scopes => ScopesQueue;

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            ScopesQueue.Enqueue($"{state} | {Pairs(state)}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            LinesQueue.Enqueue($"{formatter(state, exception)} | {Pairs(state)}");

        private static string Pairs(object? state) =>
            state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";

        public void Dispose()
        {
        }
    }
}
