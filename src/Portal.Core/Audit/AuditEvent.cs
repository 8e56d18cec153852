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

    /// <summary>Column widths (see the entity configuration): a row always fits, whatever a caller typed into a URL.</summary>
    public const int TenantIdLength = 64, ActorLength = 256, ActionLength = 64, TargetLength = 512, KeyPrefixLength = 32, OutcomeLength = 32, IpLength = 64;

    public static AuditEvent Of(Actor actor, long at, string action, string target, string outcome = AuditOutcomes.Success, string? keyPrefix = null) => new()
    {
        TenantId = Fit(actor.TenantId, TenantIdLength)!,
        At = at,
        Actor = Fit(actor.AuditName, ActorLength)!,
        Action = Fit(action, ActionLength)!,
        Target = Fit(target, TargetLength)!,
        Outcome = Fit(outcome, OutcomeLength)!,
        KeyPrefix = Fit(keyPrefix, KeyPrefixLength),
        Ip = Fit(actor.Ip, IpLength),
    };

    /// <summary>
    /// An audit row records what was asked, and hostile input asks with anything: control characters (PostgreSQL
    /// refuses U+0000 in text) become U+FFFD and an over-long value is cut with an ellipsis, so recording never fails.
    /// </summary>
    public static string? Fit(string? value, int max)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Any(char.IsControl))
        {
            value = string.Create(value.Length, value, (span, v) =>
            {
                for (var i = 0; i < v.Length; i++)
                {
                    span[i] = char.IsControl(v[i]) ? '\uFFFD' : v[i];
                }
            });
        }

        if (value.Length <= max)
        {
            return value;
        }

        var cut = max - 1;
        if (char.IsHighSurrogate(value[cut - 1]))
        {
            cut--; // never half a character: PostgreSQL refuses text that is not valid UTF-8
        }

        return string.Concat(value.AsSpan(0, cut), "…");
    }
}

public static class AuditOutcomes
{
    public const string Success = "success";
    public const string Denied = "denied";
    public const string Failed = "failed";
}

/// <summary>The wire shape of an audit event.</summary>
public sealed record AuditEventView(long Id, long At, string Actor, string Action, string Target, string? KeyPrefix, string Outcome, string? Ip);
