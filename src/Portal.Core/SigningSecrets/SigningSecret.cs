namespace Portal.Core.SigningSecrets;

/// <summary>A named Standard Webhooks signing secret of a tenant (seed 003). Its token lives encrypted in the key engine, owner <c>signing:{name}</c>.</summary>
public sealed class SigningSecret
{
    public required string TenantId { get; set; }
    public required string Name { get; set; }
    public long CreatedAt { get; set; }
    public long? RotatedAt { get; set; }
}
