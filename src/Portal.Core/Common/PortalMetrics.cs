using System.Diagnostics.Metrics;

namespace Portal.Core.Common;

/// <summary>
/// The portal's own meter (<c>Portal</c>), exported with the ASP.NET Core, HttpClient and runtime metrics (README
/// "Operate it"). Tags are bounded sets (kinds, outcomes, operation names): never a key, a URL, a tenant or a user.
/// </summary>
public static class PortalMetrics
{
    public const string MeterName = "Portal";

    private static readonly Meter Meter = new(MeterName, "1.0");

    /// <summary>Presented keys checked, by <c>kind</c> (wire name) and <c>outcome</c> (valid, unknown, revoked, expired, malformed, wrong_owner).</summary>
    public static readonly Counter<long> KeyChecks = Meter.CreateCounter<long>("portal.key.checks", "{check}", "Presented keys checked, by kind and outcome.");

    /// <summary>Keys minted or rotated, by <c>kind</c> and <c>mode</c> (mint, rotate).</summary>
    public static readonly Counter<long> KeyIssues = Meter.CreateCounter<long>("portal.key.issued", "{key}", "Keys minted or rotated, by kind and mode.");

    /// <summary>Refused operations (audited as denied), by <c>operation</c>.</summary>
    public static readonly Counter<long> Refusals = Meter.CreateCounter<long>("portal.refusals", "{refusal}", "Refused operations, by the operation's audit name.");

    /// <summary>Inbound webhook deliveries by <c>outcome</c> (stored, duplicate, busy, gone).</summary>
    public static readonly Counter<long> Ingest = Meter.CreateCounter<long>("portal.ingest.deliveries", "{delivery}", "Inbound webhook deliveries handed to the writer, by outcome.");

    /// <summary>Events per group commit of the ingest writer.</summary>
    public static readonly Histogram<int> IngestBatch = Meter.CreateHistogram<int>("portal.ingest.batch_size", "{event}", "Events written per ingest transaction.");

    /// <summary>Notification attempts by <c>outcome</c> (succeeded, failed, not_sent).</summary>
    public static readonly Counter<long> NotificationAttempts = Meter.CreateCounter<long>("portal.notifications.attempts", "{attempt}", "Notification delivery attempts, by outcome.");

    /// <summary>OAuth token refreshes by <c>outcome</c> (refreshed, needs_reauth, failed).</summary>
    public static readonly Counter<long> OAuthRefreshes = Meter.CreateCounter<long>("portal.oauth.refreshes", "{refresh}", "OAuth token refreshes, by outcome.");

    private static Func<int>? _queueDepth;
    private static Func<long?>? _storeBytes;

    static PortalMetrics()
    {
        Meter.CreateObservableGauge("portal.ingest.queue_depth", () => _queueDepth?.Invoke() ?? 0, "{event}", "Inbound events waiting for the ingest writer.");
        Meter.CreateObservableGauge("portal.store.size", () => _storeBytes?.Invoke() is { } bytes ? [new Measurement<long>(bytes)] : Array.Empty<Measurement<long>>(), "By", "Bytes the store takes on disk (SQLite file, or the PostgreSQL database).");
    }

    /// <summary>Where the queue depth gauge reads from (the app's one ingest writer).</summary>
    public static void ObserveQueueDepth(Func<int> depth) => _queueDepth = depth;

    /// <summary>Where the store size gauge reads from (a cached figure: observing never queries the database).</summary>
    public static void ObserveStoreSize(Func<long?> bytes) => _storeBytes = bytes;

    public static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);
}
