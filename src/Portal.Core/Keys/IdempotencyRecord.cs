namespace Portal.Core.Keys;

/// <summary>A stored response of a mint/rotate request, replayed for a retry with the same Idempotency-Key within 24 h. Encrypted: it may hold a secret.</summary>
public sealed class IdempotencyRecord
{
    public required string TenantId { get; set; }
    public required string Scope { get; set; }
    public required string Key { get; set; }
    public required string RequestHash { get; set; }
    public int StatusCode { get; set; }
    public required string ProtectedResponse { get; set; }
    public long CreatedAt { get; set; }
}
