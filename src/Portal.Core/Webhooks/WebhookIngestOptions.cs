using Microsoft.Extensions.Options;

namespace Portal.Core.Webhooks;

/// <summary><c>Portal:Ingest</c>: how many events may wait for the <see cref="WebhookIngest"/> writer before a delivery answers 503.</summary>
public sealed class WebhookIngestOptions
{
    public const string Section = "Portal:Ingest";

    /// <summary>Events waiting for the writer at most (not counting the batch being written); one more answers 503 with Retry-After.</summary>
    public int QueueCapacity { get; set; } = WebhookIngest.QueueCapacity;

    /// <summary>Bytes of bodies waiting for (or being written by) the writer at most: a burst of large bodies answers 503 before it fills memory.</summary>
    public long QueueBytes { get; set; } = 64L * 1024 * 1024;
}

/// <summary>Refuses to start with a queue that could hold nothing, in one line that names the setting.</summary>
internal sealed class WebhookIngestOptionsValidation : IValidateOptions<WebhookIngestOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookIngestOptions options) =>
        options.QueueCapacity < 1
            ? ValidateOptionsResult.Fail($"{WebhookIngestOptions.Section}:QueueCapacity must be at least 1 (it is {options.QueueCapacity}).")
            : options.QueueBytes < WebhookReceiver.MaxBodyBytes
                ? ValidateOptionsResult.Fail($"{WebhookIngestOptions.Section}:QueueBytes must be at least {WebhookReceiver.MaxBodyBytes} (one largest body; it is {options.QueueBytes}).")
                : ValidateOptionsResult.Success;
}
