using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace Portal.Core.Keys;

/// <summary>
/// Encrypts credentials at rest with ASP.NET Data Protection (key ring in the database, so they
/// survive restarts and are shared by every node).
/// </summary>
public sealed class CredentialProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Portal.Credentials.v1");

    public string Protect(string plaintext) => _protector.Protect(plaintext);

    public string Unprotect(string ciphertext) => _protector.Unprotect(ciphertext);

    /// <summary>Encrypts a bag of credential values; an empty bag is stored as null.</summary>
    public string? ProtectBag(IReadOnlyDictionary<string, Dictionary<string, string>> bag) =>
        bag.Count == 0 || bag.All(b => b.Value.Count == 0) ? null : Protect(JsonSerializer.Serialize(bag));

    public Dictionary<string, Dictionary<string, string>> UnprotectBag(string? ciphertext) =>
        ciphertext is null
            ? new(StringComparer.Ordinal)
            : JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(Unprotect(ciphertext)) ?? new(StringComparer.Ordinal);
}
