using Portal.Core.Tenancy;

namespace Portal.Core.Audit;

/// <summary>Who did what to which resource, when, from where, with what outcome. Never a secret.</summary>
public sealed class AuditEvent
{
    public long Id { get; set; }
    public required string TenantId { get; set; }
    public long At { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public required string Target { get; set; }
    public string? KeyPrefix { get; set; }
    public required string Outcome { get; set; }
    public string? Ip { get; set; }

    public static AuditEvent Of(Actor actor, long at, string action, string target, string outcome = AuditOutcomes.Success, string? keyPrefix = null) => new()
    {
        TenantId = actor.TenantId,
        At = at,
        Actor = actor.AuditName,
        Action = action,
        Target = target,
        Outcome = outcome,
        KeyPrefix = keyPrefix,
        Ip = actor.Ip,
    };
}

public static class AuditOutcomes
{
    public const string Success = "success";
    public const string Denied = "denied";
    public const string Failed = "failed";
}

/// <summary>The wire shape of an audit event.</summary>
public sealed record AuditEventView(long Id, long At, string Actor, string Action, string Target, string? KeyPrefix, string Outcome, string? Ip);
