using System.Text.Json.Serialization;
using Portal.Core.Audit;

namespace Portal.Core.Overview;

/// <summary>A tenant's home page: what it holds, what needs attention, and what happened last.</summary>
public sealed record TenantOverview(
    OverviewCounts Counts,
    IReadOnlyList<AttentionItem> Attention,
    int AttentionTotal,
    IReadOnlyList<AuditEventView> RecentActivity,
    KeyAttention Keys)
{
    /// <summary>No integration yet: the home page shows the first step instead of empty tables.</summary>
    public bool IsEmpty => Counts.Integrations == 0;
}

/// <summary>Keys that need a person, by status (see the Keys page): reported leaked, past their maximum age, due for rotation, in a grace period.</summary>
public sealed record KeyAttention(int Leaked, int Expired, int Due, int Grace)
{
    public bool Any => Leaked + Expired + Due + Grace > 0;
}

/// <summary>Live keys are neither revoked nor expired, by kind (<c>webhookKey</c>, <c>mcpKey</c>, <c>signingSecret</c>, <c>integrationKey</c>, <c>apiClientSecret</c>: one per API client).</summary>
public sealed record OverviewCounts(long Integrations, int Configs, IReadOnlyDictionary<string, int> LiveKeys);

/// <summary>Why a config needs a person.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AttentionKind>))]
public enum AttentionKind
{
    /// <summary>The draft differs from the published revision, or nothing was ever published.</summary>
    [JsonStringEnumMemberName("unpublished_draft")] UnpublishedDraft,

    /// <summary>The OAuth connection must be authorized again (refresh refused).</summary>
    [JsonStringEnumMemberName("needs_reauth")] NeedsReauth,

    /// <summary>The last test-connect or OAuth authorization failed.</summary>
    [JsonStringEnumMemberName("verification_failed")] VerificationFailed,
}

/// <summary>One thing to look at, with where it lives; <paramref name="Detail"/> is words for a person (never a credential).</summary>
public sealed record AttentionItem(AttentionKind Kind, string IntegrationId, Guid ConfigId, string ConfigName, string Detail, long At);
