namespace Portal.Core.Data;

/// <summary>An RSA key the token server signs or encrypts with, stored encrypted by Data Protection, so tokens survive restarts and every node shares them.</summary>
public sealed class TokenKey
{
    public required string Id { get; set; }
    public required string Use { get; set; }
    public required string ProtectedPrivateKey { get; set; }
    public long CreatedAt { get; set; }
}
